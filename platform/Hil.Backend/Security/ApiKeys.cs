using System.Security.Cryptography;
using System.Text;

namespace Hil.Backend.Security;

/// <summary>
/// Device API keys: 256 random bits shown once, stored as SHA-256. A key this long cannot be guessed,
/// so a slow password hash would only cost ingest latency without adding protection.
/// </summary>
public static class ApiKeys
{
    public const string Header = "X-Api-Key";
    private const string Prefix = "hil_";

    public static (string Id, string Secret) Generate()
    {
        string id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        string secret = Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        return (id, secret);
    }

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    internal static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    internal static byte[] FromBase64Url(string text)
    {
        string padded = text.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - padded.Length % 4) % 4);
        return Convert.FromBase64String(padded);
    }
}
