import PortalDomain

/// One task.
enum TaskDetailPage {
    struct Model {
        let chrome: Chrome
        let task: TasksPage.Row
    }
}

extension TaskDetailPage.Model {
    init(_ task: PortalTask, context: WebContext) {
        self.init(chrome: Chrome(context, title: "Task", section: "Tasks"), task: TasksPage.Row(task))
    }
}
