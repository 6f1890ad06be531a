"""``GET /order/N`` logs two lines and answers N; any other path is Django's 404."""

import logging

from django.http import HttpRequest, HttpResponse
from django.urls import path

log = logging.getLogger("shop.views")


def order(request: HttpRequest, n: int) -> HttpResponse:
    log.info("order %d looked up", n, extra={"order": n})
    log.info("order %d shown", n, extra={"order": n})
    return HttpResponse(str(n))


urlpatterns = [path("order/<int:n>", order)]
