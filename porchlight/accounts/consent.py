"""A shopper's WhatsApp consent, kept with where it was given and when: WhatsApp's rules want
an opt-in on record for every business-started message. The shopper's own choice on the
tracking page wins over what the retailer's API says later; only a STOP from the phone
(porchlight.cases.delivery_reports) outranks both."""

from porchlight.models import Customer
from porchlight.platform.clock import utcnow

ON_THE_PAGE = "tracking_page"
RETAILER = "retailer:"  # + the retailer's own name for where it was given ("checkout", …)
FIELDS = ["whatsapp_opt_in", "whatsapp_consent_source", "whatsapp_consent_at"]


def record_whatsapp(customer: Customer, opt_in: bool, source: str) -> bool:
    """Sets the consent on `customer` (not saved: the caller saves FIELDS with its own); False
    when the retailer's word is refused because the shopper chose on the page themselves."""
    if source.startswith(RETAILER) and customer.whatsapp_consent_source == ON_THE_PAGE:
        return False
    if (customer.whatsapp_opt_in, customer.whatsapp_consent_source) != (opt_in, source):
        customer.whatsapp_opt_in, customer.whatsapp_consent_source = opt_in, source
        customer.whatsapp_consent_at = utcnow()
    return True
