namespace Introserv.Testing;

// The public API surface of DESIGN.md: a sample path of every route family and the service that must
// answer it through the gateway.
public static class PublicRoutes
{
    public static readonly IReadOnlyList<(string Path, string Service)> All =
    [
        ("/api/accounts", "identity"),
        ("/api/accounts/password-reset", "identity"),
        ("/api/account/security", "identity"),
        ("/api/account/security-code", "identity"),
        ("/api/account/ip-allow-list", "identity"),
        ("/api/account/password", "identity"),
        ("/api/account/sessions", "identity"),
        ("/api/account/passkeys", "identity"),
        ("/connect/authorize", "identity"),
        ("/connect/token", "identity"),
        ("/.well-known/openid-configuration", "identity"),
        ("/account/login", "identity"),
        ("/account/email-confirmation", "identity"),
        ("/api/profile", "profile"),
        ("/api/countries", "profile"),
        ("/api/profile/email-change", "profile"),
        ("/api/staff/profiles/00000000-0000-0000-0000-000000000001/country", "profile"),
        ("/api/staff/accounts/00000000-0000-0000-0000-000000000001/security-code/check", "identity"),
        ("/api/staff/accounts/00000000-0000-0000-0000-000000000001/ip-allow-list/clear", "identity"),
        ("/api/notifications", "notifications"),
        ("/api/notifications/settings", "notifications"),
        ("/api/staff/notifications/news", "notifications"),
        ("/api/staff/webhooks", "notifications"),
        ("/api/staff/webhooks/00000000-0000-0000-0000-000000000001/deliveries", "notifications"),
        ("/api/verification/challenges", "verification"),
        ("/api/verification/phone", "verification"),
        ("/api/staff/verification/accounts/00000000-0000-0000-0000-000000000001/gateway-attempts", "verification"),
        ("/api/plans", "orders"),
        ("/api/orders", "orders"),
        ("/api/orders/history", "orders"),
        ("/api/orders/00000000-0000-0000-0000-000000000001/renew", "orders"),
        ("/api/orders/00000000-0000-0000-0000-000000000001/plan-change/quote", "orders"),
        ("/api/orders/00000000-0000-0000-0000-000000000001/plan-change", "orders"),
        ("/api/orders/00000000-0000-0000-0000-000000000001/cancellation/quote", "orders"),
        ("/api/orders/00000000-0000-0000-0000-000000000001/cancellation", "orders"),
        ("/api/orders/00000000-0000-0000-0000-000000000001/auto-renew", "orders"),
        ("/api/balance", "orders"),
        ("/api/balance/top-ups", "orders"),
        ("/api/payment-methods", "orders"),
        ("/api/payments/callbacks/dev", "orders"),
        ("/api/invoices", "orders"),
        ("/api/invoice-links/00000000-0000-0000-0000-000000000001/00000000-0000-0000-0000-000000000002/pdf", "orders"),
        ("/api/staff/balances/00000000-0000-0000-0000-000000000001/credits", "orders"),
        ("/api/staff/addresses", "orders"),
        ("/api/staff/addresses/203.0.113.10/retire", "orders"),
    ];

    // The routes anyone may call without a token (registration, OpenID Connect, sign-in pages, the price list).
    public static readonly IReadOnlySet<string> Anonymous = new HashSet<string>(StringComparer.Ordinal)
    {
        "/api/accounts", "/connect/authorize", "/connect/token", "/.well-known/openid-configuration", "/account/login",
        "/api/plans",
        "/api/countries", "/api/accounts/password-reset",
        // Payment providers' callbacks: signed by the provider, not by a customer's token.
        "/api/payments/callbacks/dev",
        // An invoice mail's link: signed by Orders, held to the named account's allow-list by the gateway.
        "/api/invoice-links/00000000-0000-0000-0000-000000000001/00000000-0000-0000-0000-000000000002/pdf",
        // A page of the sign-in pages: anonymous at the gateway; it sends a browser without a sign-in to sign in.
        "/account/email-confirmation",
    };

    public static readonly IReadOnlyList<string> Services =
        ["identity", "profile", "orders", "notifications", "verification"];
}
