using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Hil.Backend.Security;

/// <summary>
/// HS256 JSON Web Tokens for users. The token only proves who the bearer is and in which epoch of the user it was issued
/// (<see cref="Storage.UserRecord.TokenEpoch"/>); the role, whether the user is revoked and the current epoch are read from
/// the database on every request, so a revocation takes effect at once and lasts when the name is given again.
/// </summary>
public sealed class JwtTokens(byte[] signingKey, TimeProvider time)
{
    private static readonly string Header = ApiKeys.Base64Url("""{"alg":"HS256","typ":"JWT"}"""u8);
    private readonly byte[] _key = signingKey.Length >= 32 ? signingKey : throw new ArgumentException("the JWT signing key needs at least 32 bytes");

    /// <summary>The claim holding the user's token epoch.</summary>
    public const string EpochClaim = "hil_epoch";

    public string Issue(string user, string epoch, TimeSpan lifetime)
    {
        long now = time.GetUtcNow().ToUnixTimeSeconds();
        string payload = ApiKeys.Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["sub"] = user, ["iat"] = now, ["nbf"] = now, ["exp"] = now + (long)lifetime.TotalSeconds, [EpochClaim] = epoch,
            ["jti"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
        }));
        return $"{Header}.{payload}.{Sign($"{Header}.{payload}")}";
    }

    /// <summary>The subject and epoch of a valid token in its validity window (nbf ≤ now &lt; exp); otherwise nulls and why.</summary>
    public (string? User, string? Epoch, string? Error) Validate(string token)
    {
        string[] parts = token.Split('.');
        if (parts.Length != 3) return (null, null, "malformed token");
        if (parts[0] != Header) return (null, null, "unsupported token header");
        byte[] expected = Encoding.ASCII.GetBytes(Sign($"{parts[0]}.{parts[1]}"));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(parts[2]))) return (null, null, "bad signature");
        try
        {
            using var claims = JsonDocument.Parse(ApiKeys.FromBase64Url(parts[1]));
            var root = claims.RootElement;
            long now = time.GetUtcNow().ToUnixTimeSeconds();
            if (now >= root.GetProperty("exp").GetInt64()) return (null, null, "token expired");
            if (root.TryGetProperty("nbf", out var nbf) && now < nbf.GetInt64()) return (null, null, "token not valid yet (nbf is in the future)");
            string? epoch = root.TryGetProperty(EpochClaim, out var e) ? e.GetString() : null;
            return (root.GetProperty("sub").GetString(), epoch, null);
        }
        catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            return (null, null, "malformed token claims");
        }
    }

    private string Sign(string data) => ApiKeys.Base64Url(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(data)));
}
