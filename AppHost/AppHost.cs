using Introserv.AppHost;
using Introserv.ServiceDefaults;
using Microsoft.Extensions.Configuration;

// INTROSERV_NO_DASHBOARD=1 runs the stack without the dashboard (and so without telemetry export), e.g. for
// benchmarks: in development Aspire exports every metric each second, which costs CPU on a small machine.
var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions
{
    Args = args,
    DisableDashboard = Environment.GetEnvironmentVariable("INTROSERV_NO_DASHBOARD") == "1",
});

var mode = InfrastructureModeResolver.Resolve(builder.Configuration);
var infra = mode == InfrastructureMode.Containers
    ? Infrastructure.FromContainers(builder)
    : Infrastructure.FromLocalServers(builder);

// Stack:Replicas (env Stack__Replicas; 1 by default): how many processes of each service and of the gateway run, to
// watch the suite scale out on one machine. Replicas of a service share its database and queues behind Aspire's
// load-balancing proxy; each gateway replica has its own port (see below) and shares Redis with the others.
var replicas = builder.Configuration.GetValue<int?>("Stack:Replicas") ?? 1;
if (replicas is < 1 or > 4)
{
    throw new InvalidOperationException($"Stack:Replicas must be from 1 to 4, not {replicas}.");
}

// The gateway's endpoint is not proxied: it must see each client's own socket address to enforce IP
// allow-lists (behind Aspire's proxy every client would look like 127.0.0.1). Port 0 picks a free one. Further
// replicas (gateway-2, ...) each listen on a free port of their own, as replicas behind a load balancer would.
var gatewayPort = builder.Configuration.GetValue<int?>("Gateway:Port") is > 0 and var configuredPort
    ? configuredPort
    : FreePort.Pick();
var gateways = Enumerable.Range(1, replicas)
    .Select(replica => AddGateway(replica == 1 ? ResourceNames.Gateway : $"{ResourceNames.Gateway}-{replica}",
        replica == 1 ? gatewayPort : FreePort.Pick()))
    .ToList();
var gateway = gateways[0];

// Load balancers in front of the gateway whose X-Forwarded-For it believes (none by default).
var trustedProxies = builder.Configuration.GetSection("Gateway:KnownProxies").Get<string[]>() ?? [];
for (var i = 0; i < trustedProxies.Length; i++)
{
    ForEachGateway(g => g.WithEnvironment($"ForwardedHeaders__KnownProxies__{i}", trustedProxies[i]));
}

// Rate limits can be tuned from the AppHost's configuration (Gateway:RateLimits:<policy>:PermitLimit/Window).
foreach (var setting in builder.Configuration.GetSection("Gateway:RateLimits").AsEnumerable(makePathsRelative: true))
{
    if (setting.Value is not null)
    {
        ForEachGateway(g => g.WithEnvironment(
            $"RateLimits__{setting.Key.Replace(":", "__", StringComparison.Ordinal)}", setting.Value));
    }
}

var publicIssuer = gateway.GetEndpoint(ResourceNames.HttpEndpoint);

// The reference customer panel at http://localhost:5173 (Panel:Port), an address Identity registers as a redirect URI
// of the introserv-panel client for local runs. Not proxied: the browser must meet exactly that origin.
var panelPort = builder.Configuration.GetValue<int?>("Panel:Port") is > 0 and var configuredPanelPort
    ? configuredPanelPort
    : 5173;
// Panel:Enabled=false leaves it out (a second stack on the machine, which cannot have the same port).
if (builder.Configuration.GetValue("Panel:Enabled", true))
{
    builder.AddProject<Projects.Introserv_Panel_Host>(ResourceNames.Panel)
        .WithEndpoint(ResourceNames.HttpEndpoint, endpoint =>
        {
            endpoint.Port = panelPort;
            endpoint.TargetPort = panelPort;
            endpoint.IsProxied = false;
        })
        .WithEnvironment("ASPNETCORE_ENVIRONMENT", builder.Environment.EnvironmentName)
        .WithEnvironment("Panel__GatewayUrl", publicIssuer)
        .WithHttpHealthCheck(Extensions.HealthEndpointPath, endpointName: ResourceNames.HttpEndpoint)
        .WaitFor(gateway);
}

// The customer panel mails link to and a payment provider sends the customer back to: the reference panel unless
// Panel:Url names another front end (a team's own development server).
var panelUrl = builder.Configuration["Panel:Url"] ?? $"http://localhost:{panelPort}/";

var identity = AddService<Projects.Introserv_Identity>(ResourceNames.Identity, infra.IdentityDb);
var identityHttp = identity.GetEndpoint(ResourceNames.HttpEndpoint);
var identityKeys = DevelopmentKeys.Ensure();
identity
    .WithEnvironment("Auth__Issuer", publicIssuer)
    .WithEnvironment("Identity__Keys__SigningKeyFile", identityKeys.SigningKeyFile)
    .WithEnvironment("Identity__Keys__EncryptionKeyFile", identityKeys.EncryptionKeyFile);

// A caller of another service's gRPC gets a client of its own at Identity ("introserv-<caller>") and asks for
// service tokens with it (client-credentials grant); Identity lists the clients in the order they are added.
var serviceClients = 0;
void AddServiceClient(string callerName, params IResourceBuilder<ProjectResource>[] callers)
{
    var clientId = $"introserv-{callerName}";
    var secret = builder.AddParameter(
        $"{callerName}-client-secret", DevelopmentKeys.EnsureSecret($"{callerName}-client"), secret: true);
    var index = serviceClients++;
    identity
        .WithEnvironment($"Identity__ServiceClients__{index}__ClientId", clientId)
        .WithEnvironment($"Identity__ServiceClients__{index}__ClientSecret", secret);
    foreach (var caller in callers)
    {
        caller
            .WithEnvironment("ServiceIdentity__ClientId", clientId)
            .WithEnvironment("ServiceIdentity__ClientSecret", secret);
    }
}

// The gateway calls Identity's internal gRPC (allow-lists, account state).
AddServiceClient(ResourceNames.Gateway, [.. gateways]);

var profile = AddService<Projects.Introserv_Profile>(ResourceNames.Profile, infra.ProfileDb);
var orders = AddService<Projects.Introserv_Orders>(ResourceNames.Orders, infra.OrdersDb);
var notifications = AddService<Projects.Introserv_Notifications>(ResourceNames.Notifications, infra.NotificationsDb);
var verificationCodeKey = builder.AddParameter(
    "verification-code-key", DevelopmentKeys.EnsureSecret("verification-code-key"), secret: true);
var verification = AddService<Projects.Introserv_Verification>(ResourceNames.Verification, infra.VerificationDb)
    .WithReference(infra.Redis).WaitFor(infra.Redis)
    .WithEnvironment("Verification__CodeHashKey", verificationCodeKey);

// Local runs only: a stand-in telephony provider plays all four gateways (SMS and call, primary and secondary)
// and shows the codes on its page; it can be switched to fail or hang to watch the fallback. Published
// configurations get no gateway: production names its real providers (deploy/k8s).
if (builder.ExecutionContext.IsRunMode)
{
    var telephonyToken = builder.AddParameter(
        "telephony-dev-token", DevelopmentKeys.EnsureSecret("telephony-dev-token"), secret: true);
    var telephony = builder.AddProject<Projects.Introserv_Verification_DevGateway>(ResourceNames.TelephonyDev)
        .WithEnvironment("ASPNETCORE_ENVIRONMENT", "Development")
        .WithEnvironment("DevGateway__Token", telephonyToken)
        .WithHttpHealthCheck(Extensions.HealthEndpointPath, endpointName: ResourceNames.HttpEndpoint);
    var telephonyHttp = telephony.GetEndpoint(ResourceNames.HttpEndpoint);
    // Every account a developer (or an end-to-end run, on the same long-lived Redis) tries comes from this one
    // machine's address: the per-address limit of a deployment (20 an hour) would stop a working afternoon.
    verification.WithEnvironment("Verification__RateLimits__ChallengesPerAddress", "1000");
    foreach (var (channel, role) in
        new[] { ("Sms", "Primary"), ("Sms", "Secondary"), ("Call", "Primary"), ("Call", "Secondary") })
    {
        var name = $"{channel}-{role}".ToLowerInvariant();
        verification
            .WithEnvironment($"Telephony__{channel}__{role}__Name", $"dev-{name}")
            .WithEnvironment(
                $"Telephony__{channel}__{role}__Url",
                ReferenceExpression.Create($"{telephonyHttp}/gateways/{name}/messages"))
            .WithEnvironment(
                $"Telephony__{channel}__{role}__Headers__Authorization",
                ReferenceExpression.Create($"Bearer {telephonyToken}"));
    }

    verification.WaitFor(telephony);

    // A stand-in payment provider speaking the provider contract: a customer's top-up redirects to its checkout page,
    // where the developer approves, declines or fails it; its signed callbacks come back through the gateway.
    var paymentsKey = builder.AddParameter(
        "payments-dev-api-key", DevelopmentKeys.EnsureSecret("payments-dev-api-key"), secret: true);
    var paymentsSecret = builder.AddParameter(
        "payments-dev-callback-secret", DevelopmentKeys.EnsureSecret("payments-dev-callback-secret"), secret: true);
    var payments = builder.AddProject<Projects.Introserv_Orders_DevPayments>(ResourceNames.PaymentsDev)
        .WithEnvironment("ASPNETCORE_ENVIRONMENT", "Development")
        .WithEnvironment("DevPayments__ApiKey", paymentsKey)
        .WithEnvironment("DevPayments__CallbackSecret", paymentsSecret)
        .WithHttpHealthCheck(Extensions.HealthEndpointPath, endpointName: ResourceNames.HttpEndpoint);
    orders
        .WithEnvironment("Orders__Payments__Providers__dev__BaseUrl", payments.GetEndpoint(ResourceNames.HttpEndpoint))
        .WithEnvironment("Orders__Payments__Providers__dev__ApiKey", paymentsKey)
        .WithEnvironment("Orders__Payments__Providers__dev__CallbackSecrets__0", paymentsSecret)
        .WithEnvironment("Orders__Payments__CallbackBaseUrl", publicIssuer)
        .WithEnvironment("Orders__Payments__ReturnUrl", $"{panelUrl.TrimEnd('/')}/balance")
        .WithEnvironment("Orders__Payments__Methods__card__Name", "Card")
        .WithEnvironment("Orders__Payments__Methods__card__Provider", "dev")
        .WithEnvironment("Orders__Payments__Methods__sepa__Name", "SEPA bank transfer")
        .WithEnvironment("Orders__Payments__Methods__sepa__Provider", "dev")
        .WaitFor(payments);
    string[] sepaCountries =
    [
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU",
        "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "CH", "GB", "IS", "LI", "NO",
    ];
    for (var i = 0; i < sepaCountries.Length; i++)
    {
        orders.WithEnvironment($"Orders__Payments__Methods__sepa__Countries__{i}", sepaCountries[i]);
    }

    // A real SMTP server that keeps every mail and lists them on its page (links included).
    var mail = builder.AddProject<Projects.Introserv_Notifications_DevMail>(ResourceNames.MailDev)
        .WithEnvironment("ASPNETCORE_ENVIRONMENT", "Development")
        .WithEndpoint(scheme: "tcp", name: ResourceNames.SmtpEndpoint, env: "DevMail__SmtpPort")
        .WithHttpHealthCheck(Extensions.HealthEndpointPath, endpointName: ResourceNames.HttpEndpoint);
    var smtp = mail.GetEndpoint(ResourceNames.SmtpEndpoint);
    notifications
        .WithEnvironment("Smtp__Host", smtp.Property(EndpointProperty.Host))
        .WithEnvironment("Smtp__Port", smtp.Property(EndpointProperty.Port))
        .WithEnvironment("Smtp__Security", "None")
        .WithEnvironment("Smtp__From", "billing@introserv.localhost")
        .WaitFor(mail);

    // A webhook receiver: staff register http://<its address>/receive/<name> as an endpoint; its page shows every
    // delivery and whether its signature holds. Local runs deliver to loopback and over plain http (a deployment
    // refuses both).
    builder.AddProject<Projects.Introserv_Notifications_DevWebhooks>(ResourceNames.WebhooksDev)
        .WithEnvironment("ASPNETCORE_ENVIRONMENT", "Development")
        .WithHttpHealthCheck(Extensions.HealthEndpointPath, endpointName: ResourceNames.HttpEndpoint);
    notifications
        .WithEnvironment("Webhooks__AllowLocalTargets", "true")
        .WithEnvironment("Webhooks__StaffEmail", "support@introserv.localhost");
}

// Webhook delivery settings from the AppHost's configuration (Webhooks:RetrySchedule:N, Webhooks:Lease, ...): a test
// run retries every few seconds instead of over a day.
foreach (var setting in builder.Configuration.GetSection("Webhooks").AsEnumerable(makePathsRelative: true))
{
    if (setting.Value is not null)
    {
        notifications.WithEnvironment(
            $"Webhooks__{setting.Key.Replace(":", "__", StringComparison.Ordinal)}", setting.Value);
    }
}

// Webhook signing secrets are encrypted at rest under a key kept for local runs (base64 of its 32 bytes).
var webhookSecretKey = builder.AddParameter("webhook-secret-key",
    Convert.ToBase64String(Convert.FromHexString(DevelopmentKeys.EnsureSecret("webhook-secret-key"))), secret: true);
notifications.WithEnvironment("Webhooks__SecretKey", webhookSecretKey);

// Where links in mails point: the front end's development server.
notifications.WithEnvironment("Notifications__PanelUrl", panelUrl);
// Invoice mails link to the invoice's PDF through the gateway, signed by Orders with a key kept for local runs.
var invoiceLinkKey = builder.AddParameter(
    "invoice-link-key", DevelopmentKeys.EnsureSecret("invoice-link-key"), secret: true);
orders
    .WithEnvironment("Orders__InvoiceLinks__PublicBaseUrl", publicIssuer)
    .WithEnvironment("Orders__InvoiceLinks__SigningKeys__0", invoiceLinkKey);
// Reset links open Identity's own page through the gateway, where the sign-in page is.
notifications.WithEnvironment("Notifications__AccountPagesUrl", publicIssuer);

// Profile asks Verification (gRPC) to send and check phone codes.
AddServiceClient(ResourceNames.Profile, profile);
profile.WithReference(verification).WaitFor(verification);

// Orders asks Profile (gRPC) whether an account may pay invoices, and Identity (gRPC) whether a large charge needs a
// confirmation by call.
AddServiceClient(ResourceNames.Orders, orders);
orders.WithReference(profile).WaitFor(profile);

// Identity asks Verification (gRPC) to spend the step-up tokens of "confirm sensitive operations by call", and
// Profile (gRPC) to confirm an address from its confirmation page, with a service token from its own token endpoint.
// Identity starts after both (see below); it calls them only when a customer's request needs it.
AddServiceClient(ResourceNames.Identity, identity);
identity
    .WithEnvironment("ServiceIdentity__TokenEndpoint", ReferenceExpression.Create($"{identityHttp}/connect/token"))
    .WithEnvironment("Services__VerificationGrpc", verification.GetEndpoint(ResourceNames.GrpcEndpoint))
    .WithEnvironment("Services__ProfileGrpc", profile.GetEndpoint(ResourceNames.GrpcEndpoint));

// Notifications asks Identity (gRPC) whether a change of notification addresses needs a confirmation by call.
AddServiceClient(ResourceNames.Notifications, notifications);

foreach (var service in new[] { profile, orders, notifications, verification })
{
    service
        .WithEnvironment("Auth__Issuer", publicIssuer)
        .WithEnvironment(
            "Auth__MetadataAddress", ReferenceExpression.Create($"{identityHttp}/.well-known/openid-configuration"))
        .WithReference(identity);
}

// Identity starts once the services that consume its events are ready (their queues bound): the accounts it creates at
// start-up (the bootstrap staff account, the demo customer) publish AccountRegistered at once, and an event published
// before a consumer's queue exists is dropped by the broker (the demo customer had no profile and no notification
// settings, and every mail about it failed). They read Identity's keys only when a request comes. Orders waits for
// Identity: it seeds the demo customer's orders with a service token from Identity.
identity.WaitFor(verification).WaitFor(profile).WaitFor(notifications);
orders.WaitFor(identity);

ForEachGateway(g =>
{
    foreach (var service in new[] { identity, profile, orders, notifications, verification })
    {
        g.WithReference(service).WaitFor(service);
    }

    // The gateway validates the same tokens at the edge and consumes IpAllowListChanged.
    g.WithEnvironment("Auth__Issuer", publicIssuer)
        .WithEnvironment(
            "Auth__MetadataAddress", ReferenceExpression.Create($"{identityHttp}/.well-known/openid-configuration"))
        .WithEnvironment("Auth__RequireHttpsMetadata", "false")
        .WithReference(infra.RabbitMq).WaitFor(infra.RabbitMq);
});

if (replicas > 1)
{
    foreach (var service in new[] { identity, profile, orders, notifications, verification })
    {
        service.WithReplicas(replicas);
    }
}

// Messaging settings from the AppHost's configuration (Messaging:EndpointPrefix, Messaging:TemporaryEndpoints) reach
// every service and the gateway: a test run gives its stack queues of its own, so events other runs left in the
// shared broker's durable queues never reach it.
foreach (var setting in builder.Configuration.GetSection("Messaging").AsEnumerable(makePathsRelative: true))
{
    if (setting.Value is not null)
    {
        foreach (var project in new[] { identity, profile, orders, notifications, verification }.Concat(gateways))
        {
            // Each service keeps queues of its own name (two services' consumers of one event never share a queue);
            // the gateway's replicas share theirs, as a service's replicas do.
            var owner = gateways.Contains(project) ? ResourceNames.Gateway : project.Resource.Name;
            var value = setting.Key == "EndpointPrefix" ? $"{setting.Value}-{owner}" : setting.Value;
            project.WithEnvironment($"Messaging__{setting.Key.Replace(":", "__", StringComparison.Ordinal)}", value);
        }
    }
}

// Any service's own settings from the AppHost's configuration: Settings:<resource>:<setting path> becomes that
// setting of the resource (each replica; "gateway" means every gateway replica), e.g.
// Settings:orders:Orders:Lifecycle:Interval=00:00:05 runs the order lifecycle every 5 s.
foreach (var resourceSettings in builder.Configuration.GetSection("Settings").GetChildren())
{
    List<IResourceBuilder<ProjectResource>> targets = resourceSettings.Key == ResourceNames.Gateway
        ? gateways
        : [.. builder.Resources.OfType<ProjectResource>()
            .Where(p => p.Name == resourceSettings.Key)
            .Select(p => builder.CreateResourceBuilder(p))];
    if (targets.Count == 0)
    {
        throw new InvalidOperationException($"Settings:{resourceSettings.Key} names no project of the stack.");
    }

    foreach (var setting in resourceSettings.AsEnumerable(makePathsRelative: true))
    {
        if (setting.Value is not null)
        {
            foreach (var target in targets)
            {
                target.WithEnvironment(setting.Key.Replace(":", "__", StringComparison.Ordinal), setting.Value);
            }
        }
    }
}

// Without the dashboard nothing receives OTLP, yet Aspire still points every project at the dashboard's
// address: they would export telemetry (with retries) every second to nowhere. Deployments set their own
// collector (OTEL_EXPORTER_OTLP_ENDPOINT); without one the services export nothing.
// With the dashboard, metrics are exported every Telemetry:MetricExportIntervalMs (5 s) rather than Aspire's 1 s:
// serialising every instrument of every service each second was most of what the idle stack cost. The development
// stand-ins (projects that are never published: the mail catcher, the payment, telephony and webhook stand-ins) export
// theirs every Telemetry:DevToolMetricExportIntervalMs (60 s): nobody watches them, and at 5 s their exports were
// about half of what each of them cost while idle. Their traces and logs go out as they happen.
var metricExportInterval = builder.Configuration["Telemetry:MetricExportIntervalMs"] ?? "5000";
var devToolMetricExportInterval = builder.Configuration["Telemetry:DevToolMetricExportIntervalMs"] ?? "60000";
foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
{
    var interval = DevelopmentTools.IsDevelopmentTool(project) ? devToolMetricExportInterval : metricExportInterval;
    builder.CreateResourceBuilder(project).WithEnvironment(context =>
    {
        if (context.EnvironmentVariables.ContainsKey("OTEL_METRIC_EXPORT_INTERVAL"))
        {
            context.EnvironmentVariables["OTEL_METRIC_EXPORT_INTERVAL"] = interval;
        }

        // Only a run has a dashboard (and a service provider to ask whether it is disabled).
        if (context.ExecutionContext.IsRunMode
            && context.ExecutionContext.Services.GetService(typeof(DistributedApplicationOptions))
                is DistributedApplicationOptions { DisableDashboard: true })
        {
            foreach (var key in context.EnvironmentVariables.Keys
                .Where(k => k.StartsWith("OTEL_EXPORTER_OTLP_", StringComparison.Ordinal))
                .ToList())
            {
                context.EnvironmentVariables.Remove(key);
            }
        }
    });
}

builder.Build().Run();

void ForEachGateway(Action<IResourceBuilder<ProjectResource>> configure) => gateways.ForEach(configure);

IResourceBuilder<ProjectResource> AddGateway(string name, int port) =>
    builder.AddProject<Projects.Introserv_Gateway>(name)
        .WithEndpoint(ResourceNames.HttpEndpoint, endpoint =>
        {
            endpoint.Port = port;
            endpoint.TargetPort = port;
            endpoint.IsProxied = false;
        })
        .WithExternalHttpEndpoints()
        .WithEnvironment("ASPNETCORE_ENVIRONMENT", builder.Environment.EnvironmentName)
        .WithReference(infra.Redis).WaitFor(infra.Redis)
        .WithHttpHealthCheck(Extensions.HealthEndpointPath, endpointName: ResourceNames.HttpEndpoint);

IResourceBuilder<ProjectResource> AddService<TProject>(
    string name, IResourceBuilder<IResourceWithConnectionString> database)
    where TProject : IProjectMetadata, new() =>
    builder.AddProject<TProject>(name)
        .WithEnvironment("ASPNETCORE_ENVIRONMENT", builder.Environment.EnvironmentName)
        .WithEnvironment("Auth__RequireHttpsMetadata", "false")
        // Services see the gateway (and Aspire's endpoint proxy) on loopback: the only forwarder they believe.
        .WithEnvironment("ForwardedHeaders__TrustLoopback", "true")
        .WithReference(database).WaitFor(database)
        .WithReference(infra.RabbitMq).WaitFor(infra.RabbitMq)
        .WithHttpHealthCheck(Extensions.HealthEndpointPath, endpointName: ResourceNames.HttpEndpoint);
