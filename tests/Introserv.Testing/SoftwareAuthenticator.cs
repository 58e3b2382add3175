using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Introserv.Testing;

// A passkey the authenticator holds.
public sealed record StoredCredential(byte[] Id, string RpId, byte[] UserHandle, ECDsa Key);

// A WebAuthn platform authenticator and the browser around it, in software: answers the server's creation and
// request options (WebAuthn JSON forms) with PublicKeyCredential.toJSON() of real P-256 keys and signatures,
// attestation "none". Origin is what goes into clientDataJSON, so a test can play a phishing site.
public sealed class SoftwareAuthenticator(string origin, bool userVerified = true) : IDisposable
{
    private const int Es256 = -7;
    private const int FlagUp = 0x01;
    private const int FlagUv = 0x04;
    private const int FlagAt = 0x40;

    private readonly List<StoredCredential> _credentials = [];

    public string Origin { get; set; } = origin;

    public bool UserVerified { get; set; } = userVerified;

    // The counter written into the next assertion (raised before each one while CountSignatures is true).
    public uint SignCount { get; set; }

    public bool CountSignatures { get; set; } = true;

    public IReadOnlyList<StoredCredential> Credentials => _credentials;

    // navigator.credentials.create(): a new ES256 credential, answered as RegistrationResponseJSON.
    public string Create(string creationOptionsJson)
    {
        using var document = JsonDocument.Parse(creationOptionsJson);
        var options = Unwrap(document.RootElement);

        // An empty list means the client's defaults (ES256 among them).
        var algorithms = Items(options, "pubKeyCredParams");
        if (algorithms.Count > 0 && !algorithms.Exists(p => p.GetProperty("alg").GetInt32() == Es256))
        {
            throw new InvalidOperationException("The options allow no ES256 key.");
        }

        var excluded = Ids(options, "excludeCredentials");
        if (_credentials.Exists(c => excluded.Exists(e => e.AsSpan().SequenceEqual(c.Id))))
        {
            throw new InvalidOperationException("A credential in excludeCredentials is held already.");
        }

        var rpId = (options.TryGetProperty("rp", out var rp) ? Text(rp, "id") : null) ?? new Uri(Origin).Host;
        var userId = (options.TryGetProperty("user", out var user) ? Text(user, "id") : null)
            ?? throw new InvalidOperationException("The options have no user.id.");
        var clientData = ClientData("webauthn.create", Challenge(options));
        var id = RandomNumberGenerator.GetBytes(16);

        // The key lives as long as the authenticator (Dispose).
#pragma warning disable CA2000
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
#pragma warning restore CA2000
        _credentials.Add(new StoredCredential(id, rpId, FromBase64Url(userId), key));

        // COSE_Key: {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}.
        var point = key.ExportParameters(false).Q;
        byte[] coseKey = [0xA5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, .. ByteString(point.X!), 0x22,
            .. ByteString(point.Y!)];
        // rpIdHash | flags | signCount 0 | aaguid (zeros) | credential id length and id | public key.
        byte[] authData = [.. RpIdHash(rpId), Flags(attested: true), 0, 0, 0, 0, .. new byte[16],
            (byte)(id.Length >> 8), (byte)id.Length, .. id, .. coseKey];
        byte[] attestationObject = [0xA3, .. TextString("fmt"), .. TextString("none"), .. TextString("attStmt"), 0xA0,
            .. TextString("authData"), .. ByteString(authData)];

        return new JsonObject
        {
            ["id"] = ToBase64Url(id),
            ["rawId"] = ToBase64Url(id),
            ["type"] = "public-key",
            ["response"] = new JsonObject
            {
                ["clientDataJSON"] = ToBase64Url(clientData),
                ["attestationObject"] = ToBase64Url(attestationObject),
                ["transports"] = new JsonArray("internal"),
                ["publicKeyAlgorithm"] = Es256,
                ["publicKey"] = ToBase64Url(key.ExportSubjectPublicKeyInfo()),
                ["authenticatorData"] = ToBase64Url(authData),
            },
            ["authenticatorAttachment"] = "platform",
            ["clientExtensionResults"] = new JsonObject(),
        }.ToJsonString();
    }

    // navigator.credentials.get(): the first held credential allowCredentials names, or with no list the newest
    // one for the rp id (discoverable); answered as AuthenticationResponseJSON.
    public string Get(string requestOptionsJson)
    {
        using var document = JsonDocument.Parse(requestOptionsJson);
        var options = Unwrap(document.RootElement);
        var allowed = Ids(options, "allowCredentials");
        var rpId = RpIdOf(options);
        var credential = (allowed.Count > 0
                ? _credentials.Find(c => allowed.Exists(a => a.AsSpan().SequenceEqual(c.Id)))
                : _credentials.FindLast(c => c.RpId == rpId))
            ?? throw new InvalidOperationException("No held credential answers these options.");
        return Assertion(options, credential);
    }

    // The same with the credential chosen by the test.
    public string Get(string requestOptionsJson, byte[] credentialId)
    {
        ArgumentNullException.ThrowIfNull(credentialId);
        var credential = _credentials.Find(c => c.Id.AsSpan().SequenceEqual(credentialId))
            ?? throw new InvalidOperationException("No such credential is held.");
        using var document = JsonDocument.Parse(requestOptionsJson);
        return Assertion(Unwrap(document.RootElement), credential);
    }

    public void Dispose()
    {
        foreach (var credential in _credentials)
        {
            credential.Key.Dispose();
        }

        _credentials.Clear();
    }

    private string Assertion(JsonElement options, StoredCredential credential)
    {
        if (CountSignatures)
        {
            SignCount++;
        }

        var clientData = ClientData("webauthn.get", Challenge(options));
        var count = SignCount;
        byte[] authData = [.. RpIdHash(RpIdOf(options)), Flags(attested: false),
            (byte)(count >> 24), (byte)(count >> 16), (byte)(count >> 8), (byte)count];
        byte[] signed = [.. authData, .. SHA256.HashData(clientData)];
        var signature = credential.Key.SignData(
            signed, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        return new JsonObject
        {
            ["id"] = ToBase64Url(credential.Id),
            ["rawId"] = ToBase64Url(credential.Id),
            ["type"] = "public-key",
            ["response"] = new JsonObject
            {
                ["clientDataJSON"] = ToBase64Url(clientData),
                ["authenticatorData"] = ToBase64Url(authData),
                ["signature"] = ToBase64Url(signature),
                ["userHandle"] = ToBase64Url(credential.UserHandle),
            },
            ["authenticatorAttachment"] = "platform",
            ["clientExtensionResults"] = new JsonObject(),
        }.ToJsonString();
    }

    private byte Flags(bool attested) => (byte)(FlagUp | (UserVerified ? FlagUv : 0) | (attested ? FlagAt : 0));

    private string RpIdOf(JsonElement options) => Text(options, "rpId") ?? new Uri(Origin).Host;

    // The challenge goes back exactly as the options carry it.
    private byte[] ClientData(string type, string challenge) => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["type"] = type,
        ["challenge"] = challenge,
        ["origin"] = Origin,
        ["crossOrigin"] = false,
    }.ToJsonString());

    private static string Challenge(JsonElement options) =>
        Text(options, "challenge") ?? throw new InvalidOperationException("The options have no challenge.");

    private static byte[] RpIdHash(string rpId) => SHA256.HashData(Encoding.UTF8.GetBytes(rpId));

    // Some servers send {"publicKey": {...}}, others the options themselves.
    private static JsonElement Unwrap(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("publicKey", out var inner) ? inner : root;

    private static string? Text(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value)
            && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static List<JsonElement> Items(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().ToList()
            : [];

    private static List<byte[]> Ids(JsonElement options, string name) =>
        Items(options, name).ConvertAll(c => FromBase64Url(Text(c, "id") ?? ""));

    private static byte[] TextString(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return bytes.Length < 24 ? [(byte)(0x60 + bytes.Length), .. bytes] : [0x78, (byte)bytes.Length, .. bytes];
    }

    private static byte[] ByteString(byte[] bytes) => bytes.Length switch
    {
        < 24 => [(byte)(0x40 + bytes.Length), .. bytes],
        < 256 => [0x58, (byte)bytes.Length, .. bytes],
        _ => [0x59, (byte)(bytes.Length >> 8), (byte)bytes.Length, .. bytes],
    };

    private static string ToBase64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var base64 = text.TrimEnd('=').Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(base64 + new string('=', (4 - (base64.Length % 4)) % 4));
    }
}
