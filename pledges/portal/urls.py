"""The member portal's pages (views.py): a member user's dashboard and its records."""

from django.urls import URLPattern, URLResolver, path

from . import views as portal

app_name = "portal"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", portal.index, name="index"),
    path("<int:member_id>/", portal.dashboard, name="dashboard"),
    path("<int:member_id>/notifications/", portal.notifications, name="notifications"),
    path("<int:member_id>/profile/", portal.profile, name="profile"),
    path("<int:member_id>/team/", portal.team, name="team"),
    path("<int:member_id>/team/<int:role_id>/remove/", portal.remove, name="remove"),
    path("<int:member_id>/team/<int:role_id>/owner/", portal.make_team_owner, name="make_owner"),
    path(
        "<int:member_id>/team/invitations/<int:invitation_id>/cancel/",
        portal.cancel,
        name="cancel_invitation",
    ),
    path("<int:member_id>/pledges/new/", portal.pledge_new, name="pledge_new"),
    path("<int:member_id>/pledges/<int:pk>/", portal.pledge, name="pledge"),
    path("<int:member_id>/pledges/<int:pk>/edit/", portal.pledge_edit, name="pledge_edit"),
    path("<int:member_id>/pledges/<int:pk>/submit/", portal.pledge_submit, name="pledge_submit"),
    path(
        "<int:member_id>/pledges/<int:pk>/withdraw/", portal.pledge_withdraw, name="pledge_withdraw"
    ),
    path(
        "<int:member_id>/replies/assessment/<int:period_id>/",
        portal.reply_assessment,
        name="reply_assessment",
    ),
    path(
        "<int:member_id>/replies/inspection/<int:inspection_id>/",
        portal.reply_inspection,
        name="reply_inspection",
    ),
    path("<int:member_id>/replies/complaints/", portal.reply_complaints, name="reply_complaints"),
]
