namespace Introserv.ServiceDefaults;

/// <summary>
/// Names of the resources the AppHost declares. Services resolve connection strings and
/// service-discovery addresses by these names, so both sides share one definition.
/// </summary>
public static class ResourceNames
{
    /// <summary>The PostgreSQL server (one database per service lives on it).</summary>
    public const string Postgres = "postgres";

    /// <summary>The Redis server.</summary>
    public const string Redis = "redis";

    /// <summary>The RabbitMQ broker.</summary>
    public const string RabbitMq = "rabbitmq";

    /// <summary>Identity's database.</summary>
    public const string IdentityDb = "identitydb";

    /// <summary>Profile's database.</summary>
    public const string ProfileDb = "profiledb";

    /// <summary>Orders' database.</summary>
    public const string OrdersDb = "ordersdb";

    /// <summary>Notifications' database.</summary>
    public const string NotificationsDb = "notificationsdb";

    /// <summary>Verification's database.</summary>
    public const string VerificationDb = "verificationdb";

    /// <summary>The Identity service (OpenID Connect server, account security).</summary>
    public const string Identity = "identity";

    /// <summary>The Profile service.</summary>
    public const string Profile = "profile";

    /// <summary>The Orders service.</summary>
    public const string Orders = "orders";

    /// <summary>The Notifications service.</summary>
    public const string Notifications = "notifications";

    /// <summary>The Verification service.</summary>
    public const string Verification = "verification";

    /// <summary>
    /// Local runs only: the stand-in telephony provider that shows developers the verification codes.
    /// </summary>
    public const string TelephonyDev = "telephony-dev";

    /// <summary>
    /// Local runs only: the stand-in payment provider where a developer approves, declines or fails top-ups.
    /// </summary>
    public const string PaymentsDev = "payments-dev";

    /// <summary>Local runs only: the mail catcher (a real SMTP server with a page listing every mail).</summary>
    public const string MailDev = "mail-dev";

    /// <summary>
    /// Local runs only: a webhook receiver that keeps every delivery and checks its signature, listed on a page.
    /// </summary>
    public const string WebhooksDev = "webhooks-dev";

    /// <summary>The reference customer panel (a Blazor WebAssembly app and the host that serves it).</summary>
    public const string Panel = "panel";

    /// <summary>Name of the mail catcher's SMTP endpoint.</summary>
    public const string SmtpEndpoint = "smtp";

    /// <summary>The YARP gateway, the only externally reachable resource.</summary>
    public const string Gateway = "gateway";

    /// <summary>Name of the HTTP/1.1 endpoint every service exposes (REST, health, OpenAPI).</summary>
    public const string HttpEndpoint = "http";

    /// <summary>Name of the cleartext HTTP/2 endpoint every service exposes for gRPC.</summary>
    public const string GrpcEndpoint = "grpc";

    /// <summary>
    /// The service-discovery address of <paramref name="service"/>'s gRPC endpoint (<c>http://_grpc.profile</c>).
    /// </summary>
    public static Uri GrpcAddress(string service) => new($"http://_{GrpcEndpoint}.{service}");
}
