from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "openbuy.accounts"
    label = "accounts"
    verbose_name = "Accounts and organisations"
