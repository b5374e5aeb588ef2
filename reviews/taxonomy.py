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


# Easy-read sentences to start a summary from (issue 44), by theme: a barrier of the theme, a
# recommendation of it, and an action of it ("{who}" and "{when}" filled in). Short sentences,
# everyday words, addressed to the person. The chair adapts them; a theme not listed here
# falls back to the panel's own words.
EASY_READ = {
    "commissioning-funding": (
        "There is no money agreed yet for the support you need to leave hospital.",
        "Money will be agreed for the support you need.",
        "{who} will sort out the money for your support by {when}."),
    "housing-provider-market": (
        "There is not yet a home and a team to support you where you want to live.",
        "People will look for a home and a team for you.",
        "{who} will look for a home and a team for you by {when}."),
    "workforce-skills": (
        "The staff need more training to understand and support you.",
        "Staff will get training to support you better.",
        "{who} will make sure staff get the right training by {when}."),
    "clinical-therapeutic": (
        "Your health and therapy plan needs to change.",
        "Your health and therapy plan will be looked at again.",
        "{who} will look at your health and therapy plan by {when}."),
    "legal-mha": (
        "There are legal steps to sort out before you can move.",
        "The legal steps will be sorted out.",
        "{who} will sort out the legal steps by {when}."),
    "family-advocacy": (
        "You need more time with your family, your friends and your advocate.",
        "You will get more time with the people who matter to you.",
        "{who} will help you see your family, friends and advocate more by {when}."),
    "environment": (
        "The place where you are now needs more space and more things to do.",
        "The place where you are will be made better for you.",
        "{who} will make the place where you are better for you by {when}."),
}
