def navigation(request):
    """Menus for the base layouts, by the user's permissions (filled by the UI)."""
    from .navigation import menu_for

    return {"staff_menu": menu_for(getattr(request, "user", None))}
