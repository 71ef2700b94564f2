"""Every table of Porchlight, registered with tortoise as the app ``models``."""

from porchlight.models.audit import AuditEntry
from porchlight.models.auth import Agent, AgentSession, ApiKey
from porchlight.models.brands import Brand, BrandHost
from porchlight.models.cases import Case, CaseEntry
from porchlight.models.contacts import Contact, PageViewDay
from porchlight.models.delivery_requests import DeliveryRequest
from porchlight.models.edd import EddAccuracy, EddLane
from porchlight.models.notifications import AppliedEmailEvent, EmailSuppression, Notification
from porchlight.models.orders import Customer, Order, Shipment, ShipmentItem
from porchlight.models.tracking import DeliveryEstimate, TrackingEvent

__all__ = [
    "Agent",
    "AgentSession",
    "ApiKey",
    "AppliedEmailEvent",
    "AuditEntry",
    "Brand",
    "BrandHost",
    "Case",
    "CaseEntry",
    "Contact",
    "Customer",
    "DeliveryEstimate",
    "DeliveryRequest",
    "EddAccuracy",
    "EddLane",
    "EmailSuppression",
    "Notification",
    "Order",
    "PageViewDay",
    "Shipment",
    "ShipmentItem",
    "TrackingEvent",
]
