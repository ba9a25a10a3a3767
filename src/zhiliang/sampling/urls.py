"""The sampling app's staff pages under /staff/sampling/ (namespace ``sampling``); the public
pages are in ``urls_public.py`` (namespace ``sampling-public``)."""

from django.urls import path, re_path

from . import views

app_name = "sampling"

P = "staff/sampling/"

urlpatterns = [
    # plans
    path(f"{P}plans/", views.plan_list, name="plan-list"),
    path(f"{P}plans/new/", views.plan_create, name="plan-create"),
    path(f"{P}plans/<int:pk>/", views.plan_detail, name="plan-detail"),
    path(f"{P}plans/<int:pk>/edit/", views.plan_edit, name="plan-edit"),
    path(f"{P}plans/<int:pk>/test-items/", views.plan_test_items, name="plan-test-items"),
    path(f"{P}plans/<int:pk>/test-items/<int:item_pk>/edit/", views.plan_test_item_edit, name="plan-test-item-edit"),
    path(f"{P}plans/<int:pk>/test-items/<int:item_pk>/remove/", views.plan_test_item_remove, name="plan-test-item-remove"),
    path(f"{P}plans/<int:pk>/quotas/", views.plan_quotas, name="plan-quotas"),
    re_path(rf"^{P}plans/(?P<pk>[0-9]+)/(?P<step>approve|publish|close)/$", views.plan_step, name="plan-step"),
    path(f"{P}plans/<int:pk>/freeze/", views.plan_freeze, name="plan-freeze"),
    path(f"{P}plans/<int:pk>/bulletins/new/", views.bulletin_create, name="bulletin-create"),
    # draws
    path(f"{P}draws/<int:pk>/", views.draw_detail, name="draw-detail"),
    path(f"{P}draws/<int:pk>/run/", views.draw_run, name="draw-run"),
    re_path(rf"^{P}draws/(?P<pk>[0-9]+)/draw-(?P<kind>inspectors|labs)/$", views.draw_followup, name="draw-followup"),
    path(f"{P}draws/<int:pk>/publish/", views.draw_publish, name="draw-publish"),
    path(f"{P}draws/<int:pk>/pool/", views.draw_pool, name="draw-pool"),
    # tasks
    path(f"{P}tasks/", views.task_list, name="task-list"),
    path(f"{P}tasks/<int:pk>/", views.task_detail, name="task-detail"),
    path(f"{P}tasks/<int:pk>/refuse/", views.task_refuse, name="task-refuse"),
    path(f"{P}tasks/<int:pk>/sample/", views.task_register, name="task-register"),
    # samples
    path(f"{P}samples/", views.sample_list, name="sample-list"),
    path(f"{P}samples/new/", views.sample_register, name="sample-register"),
    path(f"{P}samples/enterprises/", views.enterprise_search, name="enterprise-search"),
    path(f"{P}samples/<int:pk>/", views.sample_detail, name="sample-detail"),
    path(f"{P}samples/<int:pk>/send/", views.sample_send, name="sample-send"),
    path(f"{P}samples/<int:pk>/receive/", views.sample_receive, name="sample-receive"),
    path(f"{P}samples/<int:pk>/attachments/", views.sample_attach, name="sample-attach"),
    path(f"{P}samples/<int:pk>/report/", views.report_edit, name="report-edit"),
    path(f"{P}samples/<int:pk>/notify/", views.sample_notify, name="sample-notify"),
    path(f"{P}samples/<int:pk>/finalise/", views.sample_finalise, name="sample-finalise"),
    path(f"{P}samples/<int:pk>/rectification/", views.sample_rectify, name="sample-rectify"),
    path(f"{P}samples/<int:pk>/referral/", views.sample_refer, name="sample-refer"),
    path(f"{P}samples/<int:pk>/notice/", views.sample_notice, name="sample-notice"),
    path(f"{P}attachments/<int:pk>/", views.attachment_download, name="attachment-download"),
    path(f"{P}reports/<int:pk>/issue/", views.report_issue, name="report-issue"),
    # objections, rectification, referrals
    path(f"{P}objections/<int:pk>/decide/", views.objection_decide, name="objection-decide"),
    path(f"{P}rectifications/", views.rectification_list, name="rectification-list"),
    re_path(rf"^{P}rectifications/(?P<pk>[0-9]+)/(?P<step>recheck|publish|second)/$", views.rectification_step, name="rectification-step"),
    path(f"{P}referrals/", views.referral_list, name="referral-list"),
    path(f"{P}referrals/<int:pk>/reply/", views.referral_reply, name="referral-reply"),
    path(f"{P}overdue/", views.overdue, name="overdue"),
    # bulletins
    path(f"{P}bulletins/", views.bulletin_list, name="bulletin-list"),
    path(f"{P}bulletins/<int:pk>/", views.bulletin_detail, name="bulletin-detail"),
    path(f"{P}bulletins/<int:pk>/publish/", views.bulletin_publish, name="bulletin-publish"),
    re_path(rf"^{P}bulletins/(?P<pk>[0-9]+)/export\.(?P<fmt>xlsx|csv)$", views.bulletin_export, name="bulletin-export"),
    # imported results
    path(f"{P}imports/review/", views.import_review, name="import-review"),
    path(f"{P}imports/review/<int:pk>/", views.import_match, name="import-match"),
    # the enterprise's account
    path(f"{P}my/", views.my_sample_list, name="my-sample-list"),
    path(f"{P}my/<int:pk>/", views.my_sample_detail, name="my-sample-detail"),
    path(f"{P}my/<int:pk>/objection/", views.my_sample_objection, name="my-sample-objection"),
]
