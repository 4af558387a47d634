namespace Console.Contracts.Common;

/// <summary>
/// Base of the errors the domain raises on bad input or conflicts; the web host maps each kind to
/// an RFC 7807 problem (400, 404, 409, 422) so every caller sees the same shape.
/// </summary>
public abstract class ConsoleException(string message, IReadOnlyDictionary<string, string[]>? errors = null)
    : Exception(message)
{
    public IReadOnlyDictionary<string, string[]> Errors { get; } =
        errors ?? new Dictionary<string, string[]>();
}

/// <summary>The request itself is malformed: a bad name, type or template (400).</summary>
public sealed class InvalidRequestException(string message, IReadOnlyDictionary<string, string[]>? errors = null)
    : ConsoleException(message, errors)
{
    public InvalidRequestException(string field, string error)
        : this(error, new Dictionary<string, string[]> { [field] = [error] })
    {
    }
}

/// <summary>A well-formed request the rules refuse, e.g. job variables outside a pool's schema (422).</summary>
public sealed class UnprocessableException(string message, IReadOnlyDictionary<string, string[]>? errors = null)
    : ConsoleException(message, errors)
{
    public UnprocessableException(string field, string error)
        : this(error, new Dictionary<string, string[]> { [field] = [error] })
    {
    }
}

/// <summary>The named thing does not exist (404).</summary>
public sealed class NotFoundException(string message) : ConsoleException(message);

/// <summary>The request conflicts with current state: a duplicate name or a forbidden transition (409).</summary>
public sealed class ConflictException(string message) : ConsoleException(message);
