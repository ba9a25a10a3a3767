import uuid

from .audit import audit_context
from .choices import ChangeSource


class AuditContextMiddleware:
    """Every request runs in an audit context: actor, request id, source."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        source = ChangeSource.API if request.path.startswith("/api/") else ChangeSource.WEB
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
        reason = f"{request.method} {request.path}"[:255]
        with audit_context(actor=actor, reason=reason, source=source, request_id=request.request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response
