namespace Lifeboat.Server;

/// <summary>Who is acting on a request: the X-Lifeboat-Actor header, recorded with every change it makes.</summary>
public static class Actors
{
    public const string Header = "X-Lifeboat-Actor";

    public const string Default = "api";

    /// <summary>The header's value, or "api". A blank or overlong value is refused by the store (400).</summary>
    public static string Of(HttpContext? http) =>
        http?.Request.Headers[Header].ToString() is { Length: > 0 } actor ? actor : Default;
}
