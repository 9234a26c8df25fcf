from django.urls import path

from initiatives import views

app_name = "lessons"

urlpatterns = [
    path("", views.LessonListView.as_view(), name="list"),
]
