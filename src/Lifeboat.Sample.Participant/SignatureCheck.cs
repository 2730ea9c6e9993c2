using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Lifeboat.Sample.Participant;

/// <summary>
/// Verifies that a protocol call comes from the Lifeboat this participant is registered with
/// (docs/participants.md, "Signatures"): X-Lifeboat-Signature must be "v1=" and the hex HMAC-SHA256,
/// keyed with the secret Lifeboat gave at registration, of "v1.{X-Lifeboat-Timestamp}.{verb}.{body}",
/// and the timestamp within <see cref="Tolerance"/> of this machine's clock. Anything else is a 401
/// that says which check failed, and the call does nothing.
/// </summary>
public sealed class SignatureCheck(Func<string?> secret, TimeProvider time)
{
    /// <summary>How far a request's timestamp may be from now: a captured request is useless after this.</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    private const int MaxBody = 1 << 20;

    public async Task InvokeAsync(HttpContext http, Func<Task> next)
    {
        var key = secret();
        if (string.IsNullOrEmpty(key))
        {
            await RefuseAsync(http, "this participant has no signing secret yet: put the secret Lifeboat printed at registration in its Participant:SecretFile.");
            return;
        }

        if (http.Request.Headers["X-Lifeboat-Timestamp"].ToString() is not { Length: > 0 } stamp
            || http.Request.Headers["X-Lifeboat-Signature"].ToString() is not { Length: > 0 } signature)
        {
            await RefuseAsync(http, "the request is not signed: X-Lifeboat-Timestamp and X-Lifeboat-Signature are required.");
            return;
        }

        if (!long.TryParse(stamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds is < 0 or > 253402300799
            || (time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > Tolerance)
        {
            await RefuseAsync(http, $"the request's timestamp '{stamp}' is not within {Tolerance.TotalMinutes:0} minutes of this participant's clock: a stale or replayed request (or clocks out of sync).");
            return;
        }

        http.Request.EnableBuffering(MaxBody);
        using var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body, http.RequestAborted);
        http.Request.Body.Position = 0;
        var verb = http.Request.Path.Value?.Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
        var prefix = Encoding.UTF8.GetBytes($"v1.{stamp}.{verb}.");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.GetBuffer().AsSpan(0, (int)body.Length).CopyTo(message.AsSpan(prefix.Length));
        var expected = Encoding.ASCII.GetBytes("v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), message)));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature.Trim())))
        {
            await RefuseAsync(http, "the request's signature is wrong: it was not signed with this participant's secret (registered again since? put the new secret in Participant:SecretFile), or its body was changed.");
            return;
        }

        await next();
    }

    private static Task RefuseAsync(HttpContext http, string detail) =>
        Results.Problem(detail, statusCode: StatusCodes.Status401Unauthorized, title: "Not signed by Lifeboat").ExecuteAsync(http);
}
