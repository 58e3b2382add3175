namespace Introserv.Identity.Features.SignIn;

/// <summary>Settings of the OpenID Connect server (configuration section <c>Identity</c>).</summary>
public sealed class IdentityServerOptions
{
    public const string SectionName = "Identity";

    /// <summary>The longest access-token lifetime the server accepts in configuration.</summary>
    public static readonly TimeSpan MaxAccessTokenLifetime = TimeSpan.FromMinutes(10);

    public SigningKeyOptions Keys { get; set; } = new();

    /// <summary>The certificate that encrypts the Data Protection key ring at rest (required outside Development).</summary>
    public KeyRingOptions DataProtection { get; set; } = new();

    /// <summary>The client applications (browser front ends) allowed to sign customers in.</summary>
    public List<ClientOptions> Clients { get; set; } = [];

    public TimeSpan AccessTokenLifetime { get; set; } = MaxAccessTokenLifetime;

    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>How long a sign-in counts as recent for sensitive operations (step-up).</summary>
    public TimeSpan StepUpWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Internal services (the gateway) that get tokens with the client-credentials grant.</summary>
    public List<ServiceClientOptions> ServiceClients { get; set; } = [];

    /// <summary>The first staff account, created at start-up when it does not exist (optional).</summary>
    public StaffBootstrapOptions? BootstrapStaff { get; set; }

    /// <summary>Development only: a demo customer (a fixed id, so other services seed its balance and orders).</summary>
    public DemoCustomerOptions? DemoCustomer { get; set; }
}

/// <summary>
/// The token signing and encryption keys. Each comes inline or from a file (a mounted secret); there is no
/// built-in key, and the service refuses to start without them.
/// </summary>
public sealed class SigningKeyOptions
{
    /// <summary>PEM of the RSA private key that signs tokens (RS256); published in the JWKS.</summary>
    public string? SigningKey { get; set; }

    public string? SigningKeyFile { get; set; }

    /// <summary>
    /// PEM of the signing key before the last rotation (optional): published in the JWKS next to the current one
    /// and still accepted, so tokens signed before the rotation stay valid until they expire.
    /// </summary>
    public string? PreviousSigningKey { get; set; }

    /// <summary>A file holding <see cref="PreviousSigningKey"/>; missing or empty means there is none.</summary>
    public string? PreviousSigningKeyFile { get; set; }

    /// <summary>Base64 of a 256-bit key that encrypts authorization codes and refresh tokens (never published).</summary>
    public string? EncryptionKey { get; set; }

    public string? EncryptionKeyFile { get; set; }
}

/// <summary>A public client (a browser front end) using the authorization code flow with PKCE.</summary>
public sealed class ClientOptions
{
    public string ClientId { get; set; } = "";

    public string? DisplayName { get; set; }

    public List<string> RedirectUris { get; set; } = [];

    public List<string> PostLogoutRedirectUris { get; set; } = [];
}

/// <summary>A confidential client for service-to-service calls (client-credentials grant, role <c>service</c>).</summary>
public sealed class ServiceClientOptions
{
    public string ClientId { get; set; } = "";

    /// <summary>The secret (from a secret store); OpenIddict stores only its hash.</summary>
    public string ClientSecret { get; set; } = "";

    public string? DisplayName { get; set; }
}

public sealed class StaffBootstrapOptions
{
    public string? Login { get; set; }

    public string? Email { get; set; }

    public string? Password { get; set; }
}

/// <summary>The demo customer local runs create (Development only; refused elsewhere).</summary>
public sealed class DemoCustomerOptions
{
    public Guid Id { get; set; }

    public string? Login { get; set; }

    public string? Email { get; set; }

    public string? Password { get; set; }

    public string FirstName { get; set; } = "Demo";

    public string LastName { get; set; } = "Customer";
}
