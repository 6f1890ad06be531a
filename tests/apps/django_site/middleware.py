"""The request-id middleware of docs/recipes/django.md."""

# --8<-- [start:middleware]
import lite_logging as ll


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.headers.get("X-Request-ID") or ll.new_event_id()
        with (
            ll.context(request_id=request_id),
            ll.span(
                f"{request.method} {request.path}", traceparent=request.headers.get("traceparent")
            ),
        ):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


# --8<-- [end:middleware]
