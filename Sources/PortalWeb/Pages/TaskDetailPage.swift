import PortalDomain

/// One task.
enum TaskDetailPage {
    struct Model {
        let chrome: Chrome
        let task: TasksPage.Row
    }
}
