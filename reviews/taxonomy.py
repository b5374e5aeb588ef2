"""The first taxonomy of themes of learning across reviews. The oversight group revises it in
the admin (with history); this list only creates themes that do not exist yet, from the data
migration on a new database and from `seed_demo` after a test flush."""

THEMES = [
    ("commissioning-funding", "Commissioning and funding",
     "Who pays, joint funding between health and social care, delayed funding decisions."),
    ("housing-provider-market", "Housing and provider market",
     "No suitable home or provider in the community; bespoke builds; provider capacity."),
    ("workforce-skills", "Workforce and skills",
     "Staff numbers, turnover, training in autism and positive behaviour support."),
    ("clinical-therapeutic", "Clinical and therapeutic",
     "Assessment, formulation, therapy, physical health and medication."),
    ("legal-mha", "Legal and Mental Health Act",
     "Detention, tribunals, deprivation of liberty, Court of Protection."),
    ("family-advocacy", "Family and advocacy",
     "Contact with family and friends, independent advocacy, the person's voice."),
    ("environment", "Environment",
     "The ward, the segregation area, access to outside space and meaningful activity."),
]


def themes_ensure(theme_model) -> None:
    """Create the themes that do not exist yet (never changes one the group has edited)."""
    for order, (code, name, description) in enumerate(THEMES, start=1):
        theme_model.objects.get_or_create(code=code, defaults={
            "name": name, "description": description, "order": order})
