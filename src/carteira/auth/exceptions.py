from __future__ import annotations

from carteira.core.errors import (
    ConflictError,
    InvalidInputError,
    NotAuthenticatedError,
    NotFoundError,
    PermissionDeniedError,
    TooManyRequestsError,
)


class InvalidCredentialsError(NotAuthenticatedError):
    code = "invalid_credentials"
    message = "Incorrect email or password."


class InvalidTokenError(NotAuthenticatedError):
    code = "invalid_token"
    message = "The token is invalid, expired or revoked."


class AdminRequiredError(PermissionDeniedError):
    code = "admin_required"
    message = "This action needs the admin role."


class ReadOnlyRoleError(PermissionDeniedError):
    code = "read_only"
    message = "Your role can read but not change anything."


class StaffRequiredError(PermissionDeniedError):
    code = "staff_required"
    message = "This needs the admin or advisor role."


class CsrfError(PermissionDeniedError):
    code = "csrf_failed"
    message = "Missing or wrong X-CSRF-Token header for a cookie-authenticated request."


class LoginThrottledError(TooManyRequestsError):
    code = "login_throttled"
    message = "Too many failed logins; try again later."


class UserNotFoundError(NotFoundError):
    code = "user_not_found"
    message = "User not found."


class EmailTakenError(ConflictError):
    code = "email_taken"
    message = "A user with this email already exists."


class SelfModificationError(ConflictError):
    code = "cannot_modify_self"
    message = "You cannot delete, deactivate or demote your own account."


class LastAdminError(ConflictError):
    code = "last_admin"
    message = "The firm must keep at least one active admin."


class PasswordIsEmailError(InvalidInputError):
    code = "weak_password"
    message = "The password must not be the user's email."
