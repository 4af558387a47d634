// Small browser helpers for the console's Blazor components. No network access, no frameworks.
window.consoleUi = {
    // Copies text; falls back to a hidden textarea where the Clipboard API is unavailable
    // (plain http on a non-loopback address is not a secure context).
    copy: async function (text) {
        try {
            if (navigator.clipboard && window.isSecureContext) {
                await navigator.clipboard.writeText(text);
                return true;
            }
        } catch (e) {
            // fall through to the textarea
        }
        const area = document.createElement("textarea");
        area.value = text;
        area.setAttribute("readonly", "");
        area.style.position = "fixed";
        area.style.opacity = "0";
        document.body.appendChild(area);
        area.select();
        let ok = false;
        try {
            ok = document.execCommand("copy");
        } catch (e) {
            ok = false;
        }
        document.body.removeChild(area);
        return ok;
    },

    // Keeps a log panel pinned to its newest line.
    scrollToEnd: function (element) {
        if (element) {
            element.scrollTop = element.scrollHeight;
        }
    },

    // True when the panel is scrolled (nearly) to its end: following resumes there.
    isAtEnd: function (element) {
        return !element || element.scrollHeight - element.scrollTop - element.clientHeight < 24;
    },

    getTheme: function () {
        try {
            return localStorage.getItem("console-theme");
        } catch (e) {
            return null;
        }
    },

    setTheme: function (value) {
        try {
            localStorage.setItem("console-theme", value);
        } catch (e) {
            // private mode: the choice lasts for this page only
        }
    }
};
