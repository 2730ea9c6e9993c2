namespace Lifeboat.Server.Console;

/// <summary>The fields the updates page's forms post; each form sends the ones its action takes.</summary>
public sealed class UpdateForm
{
    public string? Audience { get; set; }

    public string? Phase { get; set; }

    public string? Message { get; set; }

    public string? Account { get; set; }

    public string? Language { get; set; }

    public int? Corrects { get; set; }

    public int? Number { get; set; }

    public string? Reason { get; set; }

    public string? Link { get; set; }
}
