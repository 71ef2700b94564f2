"""The retailer's console at /admin: one brand's settings, keys and audit log, in the browser.

Who gets in: `admin` agents for the brands they belong to, `owner` agents for every brand (and
only they create brands). A lead or agent gets 403 on every route; a brand the admin does not
administer is a 404, as if it did not exist.

Adding a section (e.g. Messages):
1. A module here with `routes` whose paths are `/admin/brands/{slug}/<key>...` and whose
   endpoints are wrapped in `@brand_page` (access.py): it checks the role, resolves the brand
   (404 when not administered) and puts it in `request.state.brand` (`brand_of(request)`).
2. Its entry in `nav.NAV` (`Section("<key>", N_("Title"))`), in the order the nav shows it;
   a placeholder (`built=False`) shows as plain text until the section exists.
3. Its routes added to `routes` below. Pages render with `pages.admin_render(request,
   "admin/<key>.html", {...}, section="<key>")` and templates extend "admin/base.html".
4. Every change goes through `porchlight.accounts.audit.record(...)` with the agent and brand,
   so the audit page shows it; a change shoppers see calls `announce_brand_change` after it
   commits, so every portal process shows it on the next page.
5. Settings forms: `forms.py` turns a form into schema paths (`changed_settings` checks them),
   words refusals in the admin's language (`refusals`) and reads help and ranges from the
   schema (`spec_help`, `bounds`); `admin/_forms.html` has the field macros. A made-up order to
   preview messages with: `porchlight.notifications.messages.sample_context`.
"""

from portal.admin import (
    audit_page,
    brand_page,
    home,
    import_page,
    integrations_page,
    look_page,
    messages,
    operations_page,
    people,
    shopify_page,
    whatsapp_page,
)

routes = [
    *home.routes,
    *brand_page.routes,
    *look_page.routes,
    *messages.routes,
    *whatsapp_page.routes,
    *operations_page.routes,
    *integrations_page.routes,
    *people.routes,
    *shopify_page.routes,
    *import_page.routes,
    *audit_page.routes,
]
