"""Following the header menu as a person would: on a narrow window the NHS.UK header folds
its last entries under "More", so open that first when the entry is folded away."""


def open_menu_entry(page, label: str) -> None:
    menu = page.locator('nav[aria-label="Menu"]')
    link = menu.get_by_role("link", name=label, exact=True)
    if not link.is_visible():
        menu.locator("button").first.click()
    link.click()
