"""The API's routes plus `/bench/constant`: the smallest DRF view, returning a constant."""

from django.urls import path
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


urlpatterns = [path("bench/constant", ConstantView.as_view()), *production.urlpatterns]

handler400 = production.handler400
handler403 = production.handler403
handler404 = production.handler404
handler500 = production.handler500
