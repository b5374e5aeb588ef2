from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("notifications/", views.notices, name="notices"),
    path("notifications/<int:pk>/", views.notice_open, name="notice_open"),
    path("notify/delivery-receipts/", views.delivery_receipts, name="delivery_receipts"),
]
