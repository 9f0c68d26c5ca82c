from carbonplan.access import Viewer


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"viewer": Viewer.of(user)}
