def navigation(request):
    """Menus and the signed-in user's memberships for the base layouts."""
    from .navigation import grouped_menu, menu_for, public_menu
    from .permissions import memberships

    user = getattr(request, "user", None)
    entries = menu_for(user, getattr(request, "path", None))
    return {
        "staff_menu": entries,
        "staff_menu_groups": grouped_menu(entries),
        "public_menu": public_menu(),
        "current_memberships": memberships(user) if user is not None else [],
    }
