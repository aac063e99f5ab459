"""People, the organisations they belong to, and what they may do there.

A person signs in with their email address. Their power comes from two places only: a site role
(moderator, admin) and their memberships of organisations (frontline staff, buyer officer,
supplier member, organisation admin). Rules over these live in :mod:`openbuy.accounts.rules`.
"""

from __future__ import annotations

import zoneinfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            "Enter a time zone such as Europe/London", code="invalid_time_zone"
        ) from None


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("A user needs an email address")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("site_role", User.SiteRole.ADMIN)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    class SiteRole(models.TextChoices):
        NONE = "", "None"
        MODERATOR = "moderator", "Moderator"
        ADMIN = "admin", "Admin"

    email = models.EmailField("email address", max_length=254, unique=True)
    name = models.CharField(
        "full name", max_length=150, help_text="Shown next to what you write in public."
    )
    site_role = models.CharField(max_length=20, choices=SiteRole.choices, blank=True, default="")
    is_active = models.BooleanField(default=True)

    class EmailFrequency(models.TextChoices):
        IMMEDIATE = "immediate", "As it happens"
        DAILY = "daily", "Once a day, in one email"
        NEVER = "never", "Never: I will read them on the site"

    email_notifications = models.CharField(
        max_length=10, choices=EmailFrequency.choices, default=EmailFrequency.DAILY
    )
    # Set by a moderator: a blocked account cannot post, and what it wrote is hidden.
    blocked_at = models.DateTimeField(null=True, blank=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]
        indexes = [
            # The few blocked accounts, whose writing every public list leaves out.
            models.Index(fields=["id"], condition=Q(blocked_at__isnull=False), name="user_blocked"),
        ]

    def __str__(self) -> str:
        # Shown in public (summaries, the activity log): never the email address.
        return self.name or f"Account {self.pk}"

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email

    @property
    def is_staff(self) -> bool:
        """Site admins may use Django's admin; nobody else may."""
        return self.is_active and self.site_role == self.SiteRole.ADMIN

    @property
    def is_site_admin(self) -> bool:
        return self.is_active and self.site_role == self.SiteRole.ADMIN

    @property
    def is_moderator(self) -> bool:
        return self.is_active and self.site_role in {self.SiteRole.MODERATOR, self.SiteRole.ADMIN}


class Organisation(models.Model):
    class Kind(models.TextChoices):
        BUYER = "buyer", "Buyer"
        SUPPLIER = "supplier", "Supplier"

    class Size(models.TextChoices):
        MICRO = "micro", "Micro (fewer than 10 staff)"
        SMALL = "small", "Small (10 to 49 staff)"
        MEDIUM = "medium", "Medium (50 to 249 staff)"
        LARGE = "large", "Large (250 staff or more)"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    size = models.CharField(
        max_length=10, choices=Size.choices, blank=True, help_text="Suppliers only."
    )
    is_social_enterprise = models.BooleanField("social enterprise", default=False)
    time_zone = models.CharField(
        max_length=64, default="Europe/London", validators=[validate_time_zone]
    )
    description = models.TextField(blank=True)
    website = models.URLField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="supplier") | models.Q(size="", is_social_enterprise=False),
                name="organisation_size_only_for_suppliers",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="supplier") | ~models.Q(size=""),
                name="organisation_supplier_has_size",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_buyer(self) -> bool:
        return self.kind == self.Kind.BUYER

    @property
    def is_supplier(self) -> bool:
        return self.kind == self.Kind.SUPPLIER


class Membership(models.Model):
    class Role(models.TextChoices):
        FRONTLINE = "frontline", "Frontline staff"
        BUYER = "buyer", "Buyer officer"
        SUPPLIER = "supplier", "Supplier member"
        ADMIN = "admin", "Organisation admin"

    # Which roles make sense in which kind of organisation.
    ROLES_BY_KIND = {
        Organisation.Kind.BUYER: [Role.FRONTLINE, Role.BUYER, Role.ADMIN],
        Organisation.Kind.SUPPLIER: [Role.SUPPLIER, Role.ADMIN],
    }

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation__name", "user__name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_org"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} at {self.organisation}"


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest of the secret is kept."""

    PREFIX = "obt_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="To tell your tokens apart, e.g. 'laptop'.")
    key_prefix = models.CharField(max_length=12, help_text="The first characters, for recognition.")
    key_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
