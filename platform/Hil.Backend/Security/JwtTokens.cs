using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Hil.Backend.Security;

/// <summary>
/// HS256 JSON Web Tokens for users. The token only proves who the bearer is; the role and whether the
/// user is revoked are read from the database on every request, so a revocation takes effect at once.
/// </summary>
public sealed class JwtTokens(byte[] signingKey, TimeProvider time)
{
    private static readonly string Header = ApiKeys.Base64Url("""{"alg":"HS256","typ":"JWT"}"""u8);
    private readonly byte[] _key = signingKey.Length >= 32 ? signingKey : throw new ArgumentException("the JWT signing key needs at least 32 bytes");

    public string Issue(string user, TimeSpan lifetime)
    {
        long now = time.GetUtcNow().ToUnixTimeSeconds();
        string payload = ApiKeys.Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["sub"] = user, ["iat"] = now, ["exp"] = now + (long)lifetime.TotalSeconds,
            ["jti"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
        }));
        return $"{Header}.{payload}.{Sign($"{Header}.{payload}")}";
    }

    /// <summary>The subject of a valid, unexpired token; otherwise null and why.</summary>
    public (string? User, string? Error) Validate(string token)
    {
        string[] parts = token.Split('.');
        if (parts.Length != 3) return (null, "malformed token");
        if (parts[0] != Header) return (null, "unsupported token header");
        byte[] expected = Encoding.ASCII.GetBytes(Sign($"{parts[0]}.{parts[1]}"));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(parts[2]))) return (null, "bad signature");
        try
        {
            using var claims = JsonDocument.Parse(ApiKeys.FromBase64Url(parts[1]));
            long exp = claims.RootElement.GetProperty("exp").GetInt64();
            if (time.GetUtcNow().ToUnixTimeSeconds() >= exp) return (null, "token expired");
            return (claims.RootElement.GetProperty("sub").GetString(), null);
        }
        catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            return (null, "malformed token claims");
        }
    }

    private string Sign(string data) => ApiKeys.Base64Url(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(data)));
}
