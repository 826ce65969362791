"""Tink's product catalog as data; staff edit it in the admin afterwards."""

from django.db import migrations

LINK = ["authorization:grant", "user:create"]

CATALOG = [
    (
        "account-check",
        "Account Check",
        "Verify account ownership and details in real time.",
        ["accounts:read", "identities:read", "account-verification-reports:read", *LINK],
    ),
    (
        "business-account-check",
        "Business Account Check",
        "Verify the ownership and details of business accounts.",
        ["accounts:read", "identities:read", "account-verification-reports:read", *LINK],
    ),
    (
        "balance-check",
        "Balance Check",
        "Check account balances before you act on them.",
        ["accounts:read", "balances:read", *LINK],
    ),
    (
        "transactions",
        "Transactions",
        "Access up to 24 months of categorized transaction history.",
        ["accounts:read", "balances:read", "transactions:read", "credentials:read", *LINK],
    ),
    (
        "business-transactions",
        "Business Transactions",
        "Access transaction history of business accounts.",
        ["accounts:read", "balances:read", "transactions:read", "credentials:read", *LINK],
    ),
    (
        "income-check",
        "Income Check",
        "Verify a person's income from their transaction data.",
        ["income-checks:read", "transactions:read", *LINK],
    ),
    (
        "expense-check",
        "Expense Check",
        "Understand a person's spending from their transaction data.",
        ["expense-checks:read", "transactions:read", *LINK],
    ),
    (
        "risk-insights",
        "Risk Insights",
        "Assess risk with insights computed from account data.",
        ["risk-insights:read", "transactions:read", *LINK],
    ),
    (
        "payment-initiation",
        "Payment Initiation",
        "Initiate account-to-account payments from your users' bank accounts.",
        ["payment:read", "payment:write", "authorization:grant"],
    ),
    (
        "variable-recurring-payments",
        "Variable Recurring Payments",
        "Set up mandates for recurring payments of varying amounts.",
        ["payment:read", "payment:write", "payment-mandates:write", "authorization:grant"],
    ),
    (
        "finance-management",
        "Finance Management",
        "Build money-management features: budgets, categories and insights.",
        ["accounts:read", "transactions:read", "statistics:read", "budgets:read", *LINK],
    ),
]


def load(apps, schema_editor) -> None:
    Product = apps.get_model("products", "Product")
    for position, (slug, name, description, scopes) in enumerate(CATALOG):
        Product.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "description": description,
                "scopes": scopes,
                "position": position,
            },
        )


def unload(apps, schema_editor) -> None:
    apps.get_model("products", "Product").objects.filter(
        slug__in=[slug for slug, *_ in CATALOG]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("products", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
