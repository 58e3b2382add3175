using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Introserv.Testing;

// A passkey held in memory.
public sealed record StoredCredential(byte[] Id, string RpId, byte[] UserHandle, ECDsa Key);

// A WebAuthn platform authenticator and the browser around it, in software: answers creation and request options
// (the WebAuthn JSON forms) with PublicKeyCredential.toJSON() of real P-256 keys and signatures, attestation "none".
// Origin is what the browser would put in clientDataJSON, so a test can play a phishing site.
public sealed class SoftwareAuthenticator(string origin, bool userVerified = true) : IDisposable
{
    private readonly List<StoredCredential> _credentials = [];

    public string Origin { get; set; } = origin;

    public bool UserVerified { get; set; } = userVerified;

    // The counter written into the next assertion (raised before each one while CountSignatures is true).
    public uint SignCount { get; set; }

    public bool CountSignatures { get; set; } = true;

    public IReadOnlyList<StoredCredential> Credentials => _credentials;

    public string Create(string creationOptionsJson)
    {
        var options = Unwrap(creationOptionsJson);
        if (!options["pubKeyCredParams"]!.AsArray().Any(p => p!["alg"]!.GetValue<int>() == -7))
        {
            throw new InvalidOperationException("The options allow no ES256 key.");
        }

        var rpId = options["rp"]?["id"]?.GetValue<string>() ?? new Uri(Origin).Host;
        var excluded = (options["excludeCredentials"]?.AsArray() ?? [])
            .Select(c => FromBase64Url(c!["id"]!.GetValue<string>())).ToList();
        if (_credentials.Any(c => c.RpId == rpId && excluded.Any(e => e.SequenceEqual(c.Id))))
        {
            throw new InvalidOperationException("A credential in excludeCredentials is held already.");
        }

        // The key lives as long as the authenticator (Dispose).
#pragma warning disable CA2000
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
#pragma warning restore CA2000
        var id = RandomNumberGenerator.GetBytes(16);
        var credential = new StoredCredential(
            id, rpId, FromBase64Url(options["user"]!["id"]!.GetValue<string>()), key);
        _credentials.Add(credential);

        var clientData = ClientData("webauthn.create", options["challenge"]!.GetValue<string>());
        var parameters = key.ExportParameters(false);
        var coseKey = Concat(
            [0xA5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21], ByteString(parameters.Q.X!),
            [0x22], ByteString(parameters.Q.Y!));
        var authData = Concat(
            SHA256.HashData(Encoding.UTF8.GetBytes(rpId)),
            [(byte)(0x01 | (UserVerified ? 0x04 : 0) | 0x40)],
            [0, 0, 0, 0],
            new byte[16],
            [(byte)(id.Length >> 8), (byte)id.Length],
            id,
            coseKey);
        var attestationObject = Concat(
            [0xA3], TextString("fmt"), TextString("none"), TextString("attStmt"), [0xA0],
            TextString("authData"), ByteString(authData));
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
                ["publicKeyAlgorithm"] = -7,
                ["publicKey"] = ToBase64Url(key.ExportSubjectPublicKeyInfo()),
                ["authenticatorData"] = ToBase64Url(authData),
            },
            ["authenticatorAttachment"] = "platform",
            ["clientExtensionResults"] = new JsonObject(),
        }.ToJsonString();
    }

    public string Get(string requestOptionsJson)
    {
        var options = Unwrap(requestOptionsJson);
        var rpId = RpIdOf(options);
        var allowed = (options["allowCredentials"]?.AsArray() ?? [])
            .Select(c => FromBase64Url(c!["id"]!.GetValue<string>())).ToList();
        var credential = allowed.Count > 0
            ? _credentials.FirstOrDefault(c => c.RpId == rpId && allowed.Any(a => a.SequenceEqual(c.Id)))
            : _credentials.LastOrDefault(c => c.RpId == rpId);
        return credential is null
            ? throw new InvalidOperationException("No credential for these options.")
            : Assert(options, credential);
    }

    public string Get(string requestOptionsJson, byte[] credentialId)
    {
        var credential = _credentials.FirstOrDefault(c => c.Id.SequenceEqual(credentialId))
            ?? throw new InvalidOperationException("No such credential.");
        return Assert(Unwrap(requestOptionsJson), credential);
    }

    public void Dispose()
    {
        foreach (var credential in _credentials)
        {
            credential.Key.Dispose();
        }

        _credentials.Clear();
    }

    private string Assert(JsonNode options, StoredCredential credential)
    {
        if (CountSignatures)
        {
            SignCount++;
        }

        var clientData = ClientData("webauthn.get", options["challenge"]!.GetValue<string>());
        var authData = Concat(
            SHA256.HashData(Encoding.UTF8.GetBytes(RpIdOf(options))),
            [(byte)(0x01 | (UserVerified ? 0x04 : 0))],
            [(byte)(SignCount >> 24), (byte)(SignCount >> 16), (byte)(SignCount >> 8), (byte)SignCount]);
        var signature = credential.Key.SignData(
            Concat(authData, SHA256.HashData(clientData)), HashAlgorithmName.SHA256,
            DSASignatureFormat.Rfc3279DerSequence);
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

    private string RpIdOf(JsonNode options) => options["rpId"]?.GetValue<string>() ?? new Uri(Origin).Host;

    private byte[] ClientData(string type, string challenge) => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["type"] = type,
        ["challenge"] = challenge,
        ["origin"] = Origin,
        ["crossOrigin"] = false,
    }.ToJsonString());

    private static JsonNode Unwrap(string json)
    {
        var node = JsonNode.Parse(json) ?? throw new JsonException("No options.");
        return node["publicKey"] ?? node;
    }

    private static byte[] TextString(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return Concat([(byte)(0x60 + bytes.Length)], bytes);
    }

    private static byte[] ByteString(byte[] bytes) => bytes.Length switch
    {
        < 24 => Concat([(byte)(0x40 + bytes.Length)], bytes),
        < 256 => Concat([0x58, (byte)bytes.Length], bytes),
        _ => Concat([0x59, (byte)(bytes.Length >> 8), (byte)bytes.Length], bytes),
    };

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    public static string ToBase64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[] FromBase64Url(string text)
    {
        var base64 = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '='));
    }
}
