"""Every table of Porchlight, registered with tortoise as the app ``models``."""

from porchlight.models.audit import AuditEntry
from porchlight.models.auth import Agent, AgentInvite, AgentSession, ApiKey
from porchlight.models.brands import Brand, BrandHost
from porchlight.models.cases import Case, CaseEntry
from porchlight.models.connectors import (
    AggregatorAccount,
    ShopifyOrder,
    ShopifyWebhook,
    StoreConnection,
    TrackerRegistration,
)
from porchlight.models.contacts import Contact, KpiWeek, PageViewDay
from porchlight.models.delivery_requests import DeliveryRequest, WebhookDelivery
from porchlight.models.edd import EddAccuracy, EddLane
from porchlight.models.message_texts import MessageText
from porchlight.models.notifications import AppliedEmailEvent, EmailSuppression, Notification
from porchlight.models.orders import Customer, Order, Refund, Shipment, ShipmentItem
from porchlight.models.ratings import Rating
from porchlight.models.tracking import DeliveryEstimate, TrackingEvent

__all__ = [
    "Agent",
    "AgentInvite",
    "AgentSession",
    "AggregatorAccount",
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
    "KpiWeek",
    "MessageText",
    "Notification",
    "Order",
    "PageViewDay",
    "Rating",
    "Refund",
    "Shipment",
    "ShipmentItem",
    "ShopifyOrder",
    "ShopifyWebhook",
    "StoreConnection",
    "TrackerRegistration",
    "TrackingEvent",
    "WebhookDelivery",
]
