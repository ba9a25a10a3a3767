"""The sampling endpoints under /api/v1/sampling/ (included by the project's urls.py in the ``v1`` namespace)."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()  # core owns the API root view
router.register("sampling/plans", views.PlanViewSet, basename="sampling-plan")
router.register("sampling/draws", views.DrawViewSet, basename="sampling-draw")
router.register("sampling/tasks", views.TaskViewSet, basename="sampling-task")
router.register("sampling/samples", views.SampleViewSet, basename="sampling-sample")
router.register("sampling/reports", views.ReportViewSet, basename="sampling-report")
router.register("sampling/objections", views.ObjectionViewSet, basename="sampling-objection")
router.register("sampling/rectifications", views.RectificationViewSet, basename="sampling-rectification")
router.register("sampling/referrals", views.ReferralViewSet, basename="sampling-referral")
router.register("sampling/bulletins", views.BulletinViewSet, basename="sampling-bulletin")

urlpatterns = [*router.urls]
