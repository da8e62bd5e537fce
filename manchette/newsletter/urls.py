from django.urls import path

from manchette.newsletter import views, webhooks

app_name = "newsletter"

urlpatterns = [
    path("lettre/", views.newsletter_home, name="home"),
    path("lettre/inscription/", views.signup, name="signup"),
    path("lettre/merci/", views.thanks, name="thanks"),
    path("lettre/confirmer/<str:token>/", views.confirm, name="confirm"),
    path("lettre/preferences/<str:token>/", views.preferences, name="preferences"),
    path("lettre/desinscription/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("lettre/au-revoir/", views.left, name="left"),
    path(
        "lettre/webhooks/mailgun/tracking/",
        webhooks.mailgun_tracking,
        name="webhook-mailgun",
    ),
]
