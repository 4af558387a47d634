using System.Globalization;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Web.Components.Forms;

namespace Console.Web.Components.WorkPools;

/// <summary>
/// The create-pool flow: type -> details -> base job template. The name is checked while it is
/// typed (the names rule, and the pools that exist); server errors land on the field they name.
/// </summary>
public sealed class CreateWorkPoolModel
{
    public const int TypeStep = 0;
    public const int DetailsStep = 1;
    public const int TemplateStep = 2;

    private readonly HashSet<string> _existing;

    public CreateWorkPoolModel(IReadOnlyList<WorkPoolTypeDto> types, IEnumerable<string> existingNames)
    {
        Types = types;
        _existing = new HashSet<string>(existingNames, StringComparer.Ordinal);
    }

    public static IReadOnlyList<string> StepTitles { get; } = ["Type", "Details", "Base job template"];

    public IReadOnlyList<WorkPoolTypeDto> Types { get; }

    public int Step { get; private set; }

    public string? Type { get; private set; }

    public string? TypeError { get; private set; }

    public string Name { get; private set; } = string.Empty;

    public bool NameTouched { get; private set; }

    public string? NameServerError { get; private set; }

    public string? Description { get; set; }

    public string LimitText { get; private set; } = string.Empty;

    public string? LimitServerError { get; private set; }

    public TemplateEditorModel? Template { get; private set; }

    /// <summary>A server error that names no field of the flow.</summary>
    public string? GeneralError { get; private set; }

    public string? NameError => NameRuleError() ?? NameServerError;

    public string? LimitError => LimitRuleError() ?? LimitServerError;

    public bool CanContinue => Step switch
    {
        TypeStep => Type is not null,
        DetailsStep => NameRuleError(requireTouched: false) is null && LimitError is null,
        _ => Template?.IsValid ?? false,
    };

    public bool IsLastStep => Step == TemplateStep;

    public void SelectType(string type)
    {
        if (type == Type)
        {
            return;
        }

        var known = Types.FirstOrDefault(t => t.Type == type) ?? throw new ArgumentException($"Unknown pool type '{type}'.", nameof(type));
        Type = known.Type;
        TypeError = null;
        Template = new TemplateEditorModel(known.BaseJobTemplate);
    }

    public void SetName(string? name)
    {
        Name = name ?? string.Empty;
        NameTouched = true;
        NameServerError = null;
    }

    public void SetLimit(string? text)
    {
        LimitText = text ?? string.Empty;
        LimitServerError = null;
    }

    public void NoteExisting(string name) => _existing.Add(name);

    public void NoteDeleted(string name) => _existing.Remove(name);

    public bool Next()
    {
        if (Step == DetailsStep)
        {
            NameTouched = true;
        }

        if (!CanContinue || IsLastStep)
        {
            return false;
        }

        Step++;
        return true;
    }

    public void Back()
    {
        if (Step > TypeStep)
        {
            Step--;
        }
    }

    /// <summary>Steps already passed can be revisited; later ones only through Next.</summary>
    public bool GoTo(int step)
    {
        if (step < TypeStep || step > Step)
        {
            return false;
        }

        Step = step;
        return true;
    }

    public CreateWorkPoolRequest ToRequest() => new()
    {
        Name = Name.Trim(),
        Type = Type,
        Description = string.IsNullOrWhiteSpace(Description) ? null : Description.Trim(),
        ConcurrencyLimit = ParseLimit(),
        BaseJobTemplate = Template?.Build(),
    };

    /// <summary>Puts a failed create's errors on their fields and shows the first step that has one.</summary>
    public void ApplyError(ConsoleException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        GeneralError = null;
        Template?.ClearServerErrors();
        if (error is ConflictException)
        {
            // The only conflict of a create is the name: someone took it meanwhile.
            _existing.Add(Name.Trim());
            NameServerError = error.Message;
            Step = DetailsStep;
            return;
        }

        var errors = error.Errors;
        foreach (var (key, messages) in errors)
        {
            var message = string.Join(" ", messages);
            switch (key)
            {
                case "name":
                    NameServerError = message;
                    break;
                case "type":
                    TypeError = message;
                    break;
                case "concurrencyLimit":
                    LimitServerError = message;
                    break;
                case "description":
                    GeneralError = message;
                    break;
            }
        }

        Template?.ApplyServerErrors(errors);
        if (errors.Count == 0)
        {
            GeneralError = error.Message;
        }

        Step = TypeError is not null ? TypeStep
            : NameServerError is not null || LimitServerError is not null ? DetailsStep
            : TemplateStep;
    }

    private string? NameRuleError(bool requireTouched = true)
    {
        if (requireTouched && !NameTouched)
        {
            return null;
        }

        var name = Name.Trim();
        if (name.Length == 0)
        {
            return "A name is required.";
        }

        if (!Names.IsValid(name))
        {
            return "Use 1-63 lowercase letters, digits, and inner '-' or '_' (e.g. my-docker-pool).";
        }

        return _existing.Contains(name) ? $"A work pool named '{name}' already exists." : null;
    }

    private string? LimitRuleError()
    {
        var text = LimitText.Trim();
        if (text.Length == 0)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out _)
            ? null
            : "Enter a whole number of 0 or more, or leave it empty for no limit.";
    }

    private int? ParseLimit() =>
        int.TryParse(LimitText.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var limit) ? limit : null;
}
