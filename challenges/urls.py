from django.urls import path

from challenges import views

app_name = "challenges"

urlpatterns = [
    path("", views.ChallengeListView.as_view(), name="list"),
    path("<slug:slug>/", views.ChallengeDetailView.as_view(), name="detail"),
]
