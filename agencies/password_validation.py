"""Password rules with messages in the users' language."""

from django.contrib.auth import password_validation
from django.utils.translation import gettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's rule; its message is missing from the bundled Chinese catalogue, so an
    agency clerk choosing a short password would be told why in English."""

    def get_error_message(self):
        return gettext("密码太短，至少需要 %(min_length)d 个字符。") % {"min_length": self.min_length}

    def get_help_text(self):
        return gettext("密码至少需要 %(min_length)d 个字符。") % {"min_length": self.min_length}
