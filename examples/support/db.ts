/** A stand-in for your database in the download recipes: it prints what it would save. */
export const db = {
  async saveFiles(taskId: string, paths: string[]): Promise<void> {
    console.log(`saved ${paths.length} file(s) of ${taskId}`);
  },
};
