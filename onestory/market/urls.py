from django.urls import path

from onestory.market import pool_views, portal_views, views

urlpatterns = [
    path("", views.market, name="market"),
    path("services.csv", views.services_csv, name="market-csv"),
    path("providers/new/", views.provider_new, name="market-provider-new"),
    path("providers/<uuid:provider_id>/", views.provider, name="market-provider"),
    path("providers/<uuid:provider_id>/edit/", views.provider_edit, name="market-provider-edit"),
    path(
        "providers/<uuid:provider_id>/services/new/",
        views.service_new,
        name="market-service-new",
    ),
    path("services/<uuid:service_id>/", views.service, name="market-service"),
    path("services/<uuid:service_id>/edit/", views.service_edit, name="market-service-edit"),
    path(
        "services/<uuid:service_id>/contracts/new/",
        views.contract_new,
        name="market-contract-new",
    ),
    path(
        "services/<uuid:service_id>/decommission/",
        views.decommission,
        name="market-decommission",
    ),
    path("contracts/<uuid:contract_id>/", views.contract, name="market-contract"),
    path("contracts/<uuid:contract_id>/edit/", views.contract_edit, name="market-contract-edit"),
    path("pools/", pool_views.pools_page, name="market-pools"),
    path("pools/new/", pool_views.pool_new, name="market-pool-new"),
    path("pools/<uuid:pool_id>/", pool_views.pool_page, name="market-pool"),
    path("pools/<uuid:pool_id>/members/", pool_views.member_add, name="market-pool-member-add"),
    path(
        "pools/members/<uuid:member_id>/consent/",
        pool_views.member_consent,
        name="market-pool-consent",
    ),
    path("pools/members/<uuid:member_id>/exit/", pool_views.member_exit, name="market-pool-exit"),
    path("me/", portal_views.my_pools, name="market-my-pools"),
    path("me/<uuid:member_id>/answer/", portal_views.my_answer, name="market-my-answer"),
]
