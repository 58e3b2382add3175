namespace Introserv.Identity.Features.SignIn;

// Settings of the OpenID Connect server (configuration section Identity).
public sealed class IdentityServerOptions
{
    public const string SectionName = "Identity";

    // The longest access-token lifetime the server accepts in configuration.
    public static readonly TimeSpan MaxAccessTokenLifetime = TimeSpan.FromMinutes(10);

    public SigningKeyOptions Keys { get; set; } = new();

    // The certificate that encrypts the Data Protection key ring at rest (required outside Development).
    public KeyRingOptions DataProtection { get; set; } = new();

    // The client applications (browser front ends) allowed to sign customers in.
    public List<ClientOptions> Clients { get; set; } = [];

    public TimeSpan AccessTokenLifetime { get; set; } = MaxAccessTokenLifetime;

    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(14);

    // How long a sign-in counts as recent for sensitive operations (step-up).
    public TimeSpan StepUpWindow { get; set; } = TimeSpan.FromMinutes(10);

    // How long Identity's API remembers that an access token's session and token entry are still valid, and an
    // account's IP allow-list, instead of reading them on every request. A change made by this replica takes
    // effect at once; one made by another replica (or by OpenIddict itself) within this time.
    public TimeSpan EntryCacheLifetime { get; set; } = TimeSpan.FromSeconds(5);

    // Internal services (the gateway) that get tokens with the client-credentials grant.
    public List<ServiceClientOptions> ServiceClients { get; set; } = [];

    // Passkeys (WebAuthn): the relying party and the page origins a ceremony may come from.
    public PasskeySettings Passkeys { get; set; } = new();

    // The first staff account, created at start-up when it does not exist (optional).
    public StaffBootstrapOptions? BootstrapStaff { get; set; }

    // Development only: a demo customer (a fixed id, so other services seed its balance and orders).
    public DemoCustomerOptions? DemoCustomer { get; set; }
}

// The token signing and encryption keys. Each comes inline or from a file (a mounted secret); there is no
// built-in key, and the service refuses to start without them.
public sealed class SigningKeyOptions
{
    // PEM of the RSA private key that signs tokens (RS256); published in the JWKS.
    public string? SigningKey { get; set; }

    public string? SigningKeyFile { get; set; }

    // PEM of the signing key before the last rotation (optional): published in the JWKS next to the current one
    // and still accepted, so tokens signed before the rotation stay valid until they expire.
    public string? PreviousSigningKey { get; set; }

    // A file holding PreviousSigningKey; missing or empty means there is none.
    public string? PreviousSigningKeyFile { get; set; }

    // Base64 of a 256-bit key that encrypts authorization codes and refresh tokens (never published).
    public string? EncryptionKey { get; set; }

    public string? EncryptionKeyFile { get; set; }
}

// A public client (a browser front end) using the authorization code flow with PKCE.
public sealed class ClientOptions
{
    public string ClientId { get; set; } = "";

    public string? DisplayName { get; set; }

    public List<string> RedirectUris { get; set; } = [];

    public List<string> PostLogoutRedirectUris { get; set; } = [];
}

// A confidential client for service-to-service calls (client-credentials grant, role service).
public sealed class ServiceClientOptions
{
    public string ClientId { get; set; } = "";

    // The secret (from a secret store); OpenIddict stores only its hash.
    public string ClientSecret { get; set; } = "";

    public string? DisplayName { get; set; }
}

public sealed class StaffBootstrapOptions
{
    public string? Login { get; set; }

    public string? Email { get; set; }

    public string? Password { get; set; }
}

// The demo customer local runs create (Development only; refused elsewhere).
public sealed class DemoCustomerOptions
{
    public Guid Id { get; set; }

    public string? Login { get; set; }

    public string? Email { get; set; }

    public string? Password { get; set; }

    public string FirstName { get; set; } = "Demo";

    public string LastName { get; set; } = "Customer";
}

// Section Identity:Passkeys. Without a ServerDomain, the passkeys belong to the issuer's host name; ceremonies are
// accepted from the issuer's origin (the sign-in pages), the origins of the registered front ends' redirect URIs and
// the listed Origins.
public sealed class PasskeySettings
{
    public string? ServerDomain { get; set; }

    public List<string> Origins { get; set; } = [];
}
