using System.Security.Cryptography;
using Lifeboat.Communication.Mail;
using Lifeboat.Support.Sla;

namespace Lifeboat.Support;

/// <summary>How the support desk verifies requesters and reaches them. The server reads them from configuration (Lifeboat:Support:…).</summary>
public sealed class SupportOptions
{
    /// <summary>
    /// The key the codes and links are signed with (32 bytes). The server keeps it in &lt;home&gt;/support/verification.key; a
    /// desk given none makes one of its own, good for as long as it is open (tests).
    /// </summary>
    public byte[] VerificationKey { get; init; } = RandomNumberGenerator.GetBytes(32);

    /// <summary>The mail server and sender of the verification mails, and the public URL their links point at.</summary>
    public MailOptions Mail { get; init; } = new();

    /// <summary>How long a code and its link work.</summary>
    public TimeSpan CodeLifetime { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Wrong codes a request takes before it is locked (the requester sends the form again for a new code).</summary>
    public int MaxWrongCodes { get; init; } = 5;

    /// <summary>How long support has to answer, by priority, and when it is reminded.</summary>
    public SlaPolicy Sla { get; init; } = new();

    /// <summary>Which team is on shift when, and which team each customer region belongs to.</summary>
    public ShiftTable Shifts { get; init; } = new();
}
