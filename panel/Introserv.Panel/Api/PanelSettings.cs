namespace Introserv.Panel.Api;

// What the host's /panel-settings.json says: the gateway's public URL (also the token issuer) and the client id.
public sealed record PanelSettings(string GatewayUrl, string ClientId);
