using System.Buffers;
using System.Globalization;
using System.Net;
using Lifeboat.Platform;
using Lifeboat.Support.Inbound;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Lifeboat.Server.Support;

/// <summary>
/// Where support mail comes in, from <c>Lifeboat:Support:Inbound</c>: <c>Listen</c> (an address and port on loopback, such as
/// 127.0.0.1:2525; unset, no listener), <c>Domain</c> (the only domain whose recipients it takes, default support.lifeboat.test)
/// and <c>MaxMessageBytes</c> (default 25 MB: three 5 MB files grow by a third in base64).
/// </summary>
public sealed class InboundMailSettings
{
    public const string Section = "Lifeboat:Support:Inbound";

    public const int DefaultMaxMessageBytes = 25 * 1024 * 1024;

    public IPEndPoint? Listen { get; init; }

    public string Domain { get; init; } = "support.lifeboat.test";

    public int MaxMessageBytes { get; init; } = DefaultMaxMessageBytes;

    public static InboundMailSettings Read(IConfiguration configuration)
    {
        var listen = configuration[$"{Section}:Listen"];
        IPEndPoint? endpoint = null;
        if (!string.IsNullOrWhiteSpace(listen))
        {
            if (!IPEndPoint.TryParse(listen.Trim(), out endpoint) || endpoint.Port == 0)
            {
                throw new InvalidOperationException($"{Section}:Listen is '{listen}'; give an address and a port on loopback, such as 127.0.0.1:2525.");
            }

            if (!IPAddress.IsLoopback(endpoint.Address))
            {
                throw new InvalidOperationException(
                    $"{Section}:Listen is '{listen}', which is not a loopback address. The support listener takes mail only from the local mail server: listen on 127.0.0.1 and let it relay.");
            }
        }

        var domain = (configuration[$"{Section}:Domain"] ?? "support.lifeboat.test").Trim().TrimStart('@').ToLowerInvariant();
        return new InboundMailSettings
        {
            Listen = endpoint,
            Domain = domain.Length > 0 ? domain : "support.lifeboat.test",
            MaxMessageBytes = Math.Clamp(configuration.GetValue($"{Section}:MaxMessageBytes", DefaultMaxMessageBytes), 64 * 1024, 100 * 1024 * 1024),
        };
    }
}

/// <summary>
/// An SMTP listener on loopback for the local mail server to relay support mail to (postfix's transport for the support domain).
/// It takes recipients of its own domain only, refuses a message over its size saying the limit, and answers 250 only after
/// the ticket and the mail's Message-ID are committed: a crash before that leaves the mail in the relay's queue, and its retry
/// is recognised by the Message-ID, so nothing is lost and nothing is made twice. A database it cannot reach is a 452 (a
/// temporary answer), which the relay retries.
/// </summary>
internal sealed partial class InboundMailListener(SupportDeskLifetime support, InboundMailSettings settings, ILogger<InboundMailListener> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.Listen is not { } endpoint)
        {
            return;
        }

        // The size is checked here (a SIZE given on MAIL FROM, and the message received), not by the library, whose refusal
        // ("size limit exceeded") does not say the limit. The relay is the local postfix, whose own limit (30 MB) bounds what is read.
        var options = new SmtpServerOptionsBuilder()
            .ServerName("lifeboat-support")
            .Endpoint(e => e.Endpoint(endpoint))
            .Build();
        var provider = new SmtpServer.ComponentModel.ServiceProvider();
        provider.Add(new DomainFilter(settings));
        provider.Add(new TicketStore(support, settings, logger));
        var server = new SmtpServer.SmtpServer(options, provider);
        LogListening(logger, endpoint, settings.Domain);
        try
        {
            await server.StartAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "support mail: listening for SMTP on {Endpoint} for @{Domain}")]
    private static partial void LogListening(ILogger logger, IPEndPoint endpoint, string domain);

    [LoggerMessage(Level = LogLevel.Information, Message = "support mail: {Outcome} ticket {Ticket}")]
    private static partial void LogTaken(ILogger logger, InboundOutcome outcome, string ticket);

    [LoggerMessage(Level = LogLevel.Warning, Message = "support mail could not be stored; the relay is told to try again")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    /// <summary>Takes recipients of the support domain only; anyone else is refused naming the domain it takes.</summary>
    private sealed class DomainFilter(InboundMailSettings settings) : IMailboxFilter
    {
        public Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken)
        {
            if (size > settings.MaxMessageBytes)
            {
                throw new SmtpResponseException(new SmtpResponse(SmtpReplyCode.SizeLimitExceeded, TooLarge(size, settings.MaxMessageBytes)));
            }

            return Task.FromResult(true);
        }

        public Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken) =>
            string.Equals(to.Host, settings.Domain, StringComparison.OrdinalIgnoreCase)
                ? Task.FromResult(true)
                : throw new SmtpResponseException(new SmtpResponse(SmtpReplyCode.MailboxUnavailable,
                    $"5.1.1 <{to.User}@{to.Host}>: this server takes mail for @{settings.Domain} only"));
    }

    /// <summary>Stores each message as a ticket through the desk, and answers only once it is committed.</summary>
    private sealed class TicketStore(SupportDeskLifetime support, InboundMailSettings settings, ILogger logger) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            if (buffer.Length > settings.MaxMessageBytes)
            {
                return new SmtpResponse(SmtpReplyCode.SizeLimitExceeded, TooLarge(buffer.Length, settings.MaxMessageBytes));
            }

            try
            {
                var receipt = await support.Desk.ReceiveMailAsync(buffer.ToArray(), cancellationToken);
                LogTaken(logger, receipt.Outcome, receipt.Ticket.Value);
                return new SmtpResponse(SmtpReplyCode.Ok, receipt.Outcome switch
                {
                    InboundOutcome.Duplicate => $"2.0.0 already taken as ticket {receipt.Ticket}",
                    InboundOutcome.Appended => $"2.0.0 added to ticket {receipt.Ticket}",
                    _ => $"2.0.0 ticket {receipt.Ticket} opened",
                });
            }
            catch (PlatformException e) when (e.Kind == PlatformErrorKind.Invalid)
            {
                return new SmtpResponse(SmtpReplyCode.TransactionFailed, "5.6.0 " + OneLine(e.Message));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e);
                return new SmtpResponse(SmtpReplyCode.InsufficientStorage, "4.3.0 support could not store the message just now; try again later");
            }
        }
    }

    private static string TooLarge(long size, int max) => string.Create(CultureInfo.InvariantCulture,
        $"5.3.4 the message is {size} bytes; support takes mail of at most {max} bytes ({max / (1024 * 1024)} MB: at most 3 files of 5 MB each). Send fewer or smaller files");

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
