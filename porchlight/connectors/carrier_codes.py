"""One carrier vocabulary in, each aggregator's out: Shopify's tracking company names become our
carrier codes, and our codes become what EasyPost, AfterShip and Shippo call each carrier."""

from porchlight.carriers.base import carrier_slug

# Shopify's tracking_company (as merchants pick it in the admin) → our carrier code.
SHOPIFY_COMPANY: dict[str, str] = {
    "ups": "ups",
    "usps": "usps",
    "fedex": "fedex",
    "dhl express": "dhl",
    "dhl ecommerce": "dhl_ecommerce",
    "dhl parcel": "dhl_parcel",
    "dhl": "dhl",
    "deutsche post": "deutsche_post",
    "dpd": "dpd",
    "dpd uk": "dpd_uk",
    "gls": "gls",
    "hermes": "hermes",
    "evri": "evri",
    "royal mail": "royal_mail",
    "parcelforce": "parcelforce",
    "canada post": "canada_post",
    "purolator": "purolator",
    "australia post": "australia_post",
    "postnl": "postnl",
    "la poste": "la_poste",
    "colissimo": "colissimo",
    "chronopost": "chronopost",
    "correos": "correos",
    "poste italiane": "poste_italiane",
    "bpost": "bpost",
    "ontrac": "ontrac",
}

# Our code → EasyPost's carrier name, AfterShip's slug, Shippo's carrier token. A code missing
# here is left out of the request: EasyPost and AfterShip then detect the carrier themselves.
EASYPOST: dict[str, str] = {
    "ups": "UPS",
    "usps": "USPS",
    "fedex": "FedEx",
    "dhl": "DHLExpress",
    "dhl_ecommerce": "DHLEcommerce",
    "dpd": "DPD",
    "dpd_uk": "DPDUK",
    "royal_mail": "RoyalMail",
    "canada_post": "CanadaPost",
    "purolator": "Purolator",
    "australia_post": "AustraliaPost",
    "postnl": "PostNL",
    "ontrac": "OnTrac",
    "gls": "GLS",
}
AFTERSHIP: dict[str, str] = {
    "ups": "ups",
    "usps": "usps",
    "fedex": "fedex",
    "dhl": "dhl",
    "dhl_ecommerce": "dhl-global-mail",
    "deutsche_post": "deutsch-post",
    "dpd": "dpd",
    "dpd_uk": "dpd-uk",
    "gls": "gls",
    "hermes": "hermes-de",
    "evri": "hermes",
    "royal_mail": "royal-mail",
    "parcelforce": "parcel-force",
    "canada_post": "canada-post",
    "purolator": "purolator",
    "australia_post": "australia-post",
    "postnl": "postnl",
    "la_poste": "la-poste-colissimo",
    "colissimo": "la-poste-colissimo",
    "chronopost": "chronopost-france",
    "correos": "correos-spain",
    "poste_italiane": "poste-italiane",
    "bpost": "bpost",
    "ontrac": "ontrac",
}
SHIPPO: dict[str, str] = {
    "ups": "ups",
    "usps": "usps",
    "fedex": "fedex",
    "dhl": "dhl_express",
    "dhl_ecommerce": "dhl_ecommerce",
    "deutsche_post": "deutsche_post",
    "dpd": "dpd_de",
    "dpd_uk": "dpd_uk",
    "gls": "gls_de",
    "hermes": "hermes_germany",
    "evri": "evri",
    "royal_mail": "royal_mail",
    "parcelforce": "parcelforce",
    "canada_post": "canada_post",
    "purolator": "purolator",
    "australia_post": "australia_post",
    "postnl": "postnl",
    "la_poste": "colissimo",
    "colissimo": "colissimo",
    "chronopost": "chronopost",
    "correos": "correos",
    "poste_italiane": "poste_italiane",
    "bpost": "bpost",
    "ontrac": "ontrac",
}

UNKNOWN = "other"


def from_shopify(company: str | None) -> str:
    """Shopify's free-text company (or none) → our lower-case carrier code."""
    if not company or not company.strip():
        return UNKNOWN
    name = " ".join(company.lower().split())
    return SHOPIFY_COMPANY.get(name) or carrier_slug(name.replace(" ", "_")) or UNKNOWN
