"""Demo data: a small phone shop, enough to click through every screen."""

from __future__ import annotations

from datetime import date, timedelta

from serialtrack.inventory import Inventory


def load_demo(inv: Inventory) -> str:
    """Fill an empty inventory with a shop's worth of products, partners and documents."""
    if inv.products():
        return "demo data skipped: the inventory already has products"
    inv.set_setting("shop_name", "Demo Phone Shop")
    inv.set_setting("shop_address", "12 High Street\nSpringfield 4021")
    inv.add_location("Main store")
    inv.add_location("Warehouse")
    inv.add_partner("Acme Distribution", supplier=True)
    inv.add_partner("Northwind Parts", supplier=True)
    inv.add_partner("Jane Doe", customer=True)
    inv.add_partner("Corner Café", customer=True)
    inv.add_product(
        "PHN-X1", "Phone X1 128GB", "serial", gtin="09506000134352", customer_warranty_days=365
    )
    inv.add_product(
        "LAP-14", "Laptop 14in", "serial", supplier_warranty_days=730, customer_warranty_days=365
    )
    inv.add_product("CBL-USB", "USB-C cable", "none")
    inv.add_product("VIT-C", "Vitamin C 500 mg, box of 30", "batch", expiry_required=True)
    phones = [f"X1-{n:05d}" for n in range(1, 21)]
    laptops = [f"LP14-{n:04d}" for n in range(1, 11)]
    receipt = inv.receive(
        supplier="Acme Distribution",
        location="Main store",
        reference="ACME-INV-2041",
        lines=[("PHN-X1", phones), ("CBL-USB", 50)],
    )
    inv.receive(supplier="Northwind Parts", location="Warehouse", lines=[("LAP-14", laptops)])
    sale = inv.sell(
        customer="Jane Doe", location="Main store", lines=[("PHN-X1", phones[:3]), ("CBL-USB", 3)]
    )
    inv.sell(customer="Corner Café", location="Warehouse", lines=[("LAP-14", laptops[:2])])
    inv.return_from_customer(
        customer="Jane Doe",
        location="Main store",
        invoice=sale.number,
        lines=[("PHN-X1", phones[:1])],
    )
    inv.return_to_supplier(
        supplier="Acme Distribution",
        location="Main store",
        receipt=receipt.number,
        lines=[("PHN-X1", phones[-1:])],
    )
    today = date.today()
    inv.receive(
        supplier="Northwind Parts",
        location="Main store",
        lines=[
            {
                "sku": "VIT-C",
                "batches": [
                    {"code": "LOT-2401", "quantity": 24, "expiry": today + timedelta(days=60)},
                    {"code": "LOT-2402", "quantity": 36, "expiry": today + timedelta(days=240)},
                ],
            }
        ],
    )
    return "demo data loaded: 4 products, 2 stores, 4 partners, 7 documents"
