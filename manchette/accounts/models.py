from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """The newsroom's staff and signed-in readers. Extend here, never with a profile
    table bolted on later."""
