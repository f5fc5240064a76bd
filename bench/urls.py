"""The API's routes plus two baselines served under the very same configuration.

- `/bench/constant`: the smallest DRF view, returning a constant;
- `/bench/drain`: reads a request body in 1 MiB pieces and throws it away: the most any Python
  view can receive through gunicorn, with no parsing, hashing or storing.
"""

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ecg_server import urls as production


class ConstantView(APIView):
    """What a request costs the stack alone: no authentication, no database, no parsing."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get(self, request):
        return Response({"status": "OK"})


@csrf_exempt
def drain(request):
    received = 0
    while chunk := request.read(1024 * 1024):
        received += len(chunk)
    return JsonResponse({"received": received})


urlpatterns = [
    path("bench/constant", ConstantView.as_view()),
    path("bench/drain", drain),
    *production.urlpatterns,
]

handler400 = production.handler400
handler403 = production.handler403
handler404 = production.handler404
handler500 = production.handler500
