"""Names of the worker's jobs, shared so the portal enqueues what the notifier defines."""

REFRESH_TRACKING = "refresh_tracking"
REACT_TO_REGISTRATION = "react_to_registration"
FORWARD_DELIVERY_REQUEST = "forward_delivery_request"
DELIVER_NOTIFICATION = "deliver_notification"
REGISTER_TRACKER = "register_tracker"
IMPORT_SHOPIFY_ORDER = "import_shopify_order"
ANNOUNCE_REFUND = "announce_refund"
