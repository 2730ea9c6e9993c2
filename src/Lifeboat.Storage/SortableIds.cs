using System.Security.Cryptography;

namespace Lifeboat.Storage;

/// <summary>Time-ordered random identifiers ("rst_01jd…"): sortable by creation, random in their last 80 bits, safe to show.</summary>
public static class SortableIds
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    public static string New(string prefix, TimeProvider time)
    {
        Span<char> chars = stackalloc char[26];
        var ms = time.GetUtcNow().ToUnixTimeMilliseconds();
        for (var i = 9; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(ms & 31)];
            ms >>= 5;
        }

        Span<byte> random = stackalloc byte[16];
        RandomNumberGenerator.Fill(random);
        for (var i = 10; i < 26; i++)
        {
            chars[i] = Alphabet[random[i - 10] & 31];
        }

        return $"{prefix}_{chars}";
    }
}
