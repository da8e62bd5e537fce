from django.urls import path

from manchette.audience import views

app_name = "audience"

urlpatterns = [
    path("audience/vue/", views.beacon, name="beacon"),
    path("audience/vue.gif", views.beacon, name="pixel"),
]
